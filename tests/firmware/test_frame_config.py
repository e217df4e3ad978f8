from __future__ import annotations

from pathlib import Path

import pytest

from shareframe_frame.config import ConfigError, load_config, parse_config

BASE = {"api_url": "http://127.0.0.1:8000", "state_dir": "/tmp/x", "panel": "spectra6_13in3"}


def test_defaults() -> None:
    config = parse_config(BASE)
    assert config.panel.size == (1600, 1200)
    assert config.display == "virtual"
    assert config.dashboard_host == "127.0.0.1" and config.dashboard_port == 8081
    assert config.firmware_version == "0.1.0"
    assert config.mqtt_keepalive_seconds == 60
    assert config.min_refresh_seconds == 3.0


def test_a_real_panel_refreshes_at_most_every_three_minutes_unless_configured() -> None:
    assert parse_config({**BASE, "display": "waveshare"}).min_refresh_seconds == 180
    assert parse_config({**BASE, "display": "waveshare"}, force_virtual=True).display == "virtual"
    assert parse_config({**BASE, "min_refresh_seconds": 10}).min_refresh_seconds == 10


@pytest.mark.parametrize(
    "bad",
    [
        {"panel": "nokia_3310"},
        {"api_url": "ftp://x"},
        {"display": "hdmi"},
        {"dashboard_port": 70000},
        {"dashboard_port": "8081"},
        {"mqtt_keepalive_seconds": 5},
        {"log_level": "LOUD"},
        {"state_dir": 5},
    ],
)
def test_bad_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        parse_config({**BASE, **bad})


def test_missing_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match="api_url"):
        parse_config({"state_dir": "/x", "panel": "acep_7in3"})


def test_relative_state_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "frame.toml"
    path.write_text('api_url = "http://a"\nstate_dir = "state"\npanel = "grey4_7in5"\n')
    assert load_config(path).state_dir == tmp_path / "state"


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("not = [toml")
    with pytest.raises(ConfigError):
        load_config(tmp_path / "bad.toml")
