"""Load and validate the frame's TOML configuration file.

Example::

    api_url = "http://127.0.0.1:8000"
    state_dir = "/var/lib/shareframe"
    panel = "waveshare_7in5_v2"
    display = "waveshare"
"""

from __future__ import annotations

import base64
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shareframe_frame import __version__


class ConfigError(Exception):
    """The configuration file is missing, unreadable or has an invalid value."""


@dataclass(frozen=True)
class PanelProfile:
    """What the frame needs to know about one kind of e-paper panel."""

    panel_id: str
    width: int
    height: int
    colours: str
    min_refresh_seconds: float

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)


PANELS: dict[str, PanelProfile] = {
    p.panel_id: p
    for p in (
        PanelProfile("waveshare_7in5_v2", 800, 480, "black/white", 180.0),
        PanelProfile("spectra6_7in3", 800, 480, "spectra6", 180.0),
        PanelProfile("spectra6_13in3", 1600, 1200, "spectra6", 180.0),
        PanelProfile("acep_7in3", 800, 480, "acep7", 180.0),
        PanelProfile("grey4_7in5", 800, 480, "grey4", 180.0),
    )
}

DISPLAYS = ("virtual", "waveshare")
VIRTUAL_MIN_REFRESH_SECONDS = 3.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class FrameConfig:
    """The validated configuration of one frame."""

    api_url: str
    state_dir: Path
    panel: PanelProfile
    display: str
    dashboard_host: str
    dashboard_port: int
    firmware_version: str
    mqtt_keepalive_seconds: int
    min_refresh_seconds: float
    log_level: str
    firmware_root: Path | None = None
    firmware_public_key: str | None = None
    firmware_confirm_seconds: float = 600.0


def _get(raw: dict[str, Any], key: str, kind: type, default: Any = None) -> Any:
    if key not in raw:
        if default is None:
            raise ConfigError(f"missing required key {key!r}")
        return default
    value = raw[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"key {key!r} must be of type {kind.__name__}")
    return value


def parse_config(raw: dict[str, Any], *, force_virtual: bool = False) -> FrameConfig:
    """Validate an already-decoded TOML table. Raises :class:`ConfigError`."""
    api_url = _get(raw, "api_url", str).rstrip("/")
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("api_url must be an http(s) URL")
    panel_id = _get(raw, "panel", str)
    if panel_id not in PANELS:
        raise ConfigError(f"unknown panel {panel_id!r}; one of {', '.join(PANELS)}")
    panel = PANELS[panel_id]
    display = "virtual" if force_virtual else _get(raw, "display", str, "virtual")
    if display not in DISPLAYS:
        raise ConfigError(f"display must be one of {DISPLAYS}")
    port = _get(raw, "dashboard_port", int, 8081)
    if not 0 <= port <= 65535:
        raise ConfigError("dashboard_port must be 0..65535")
    keepalive = _get(raw, "mqtt_keepalive_seconds", int, 60)
    if not 31 <= keepalive <= 3600:
        # awscrt requires keep-alive > ping timeout (30 s).
        raise ConfigError("mqtt_keepalive_seconds must be 31..3600")
    default_refresh = (
        VIRTUAL_MIN_REFRESH_SECONDS if display == "virtual" else panel.min_refresh_seconds
    )
    min_refresh = _get(raw, "min_refresh_seconds", float, default_refresh)
    if not 0 <= min_refresh <= 86400:
        raise ConfigError("min_refresh_seconds must be 0..86400")
    log_level = _get(raw, "log_level", str, "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {LOG_LEVELS}")
    state_dir = Path(_get(raw, "state_dir", str)).expanduser()
    firmware_root = raw.get("firmware_root")
    firmware_key = raw.get("firmware_public_key")
    if firmware_root is not None and not isinstance(firmware_root, str):
        raise ConfigError("firmware_root must be a path")
    if firmware_key is not None:
        if not isinstance(firmware_key, str):
            raise ConfigError("firmware_public_key must be base64 text")
        try:
            raw_key = base64.b64decode(firmware_key, validate=True)
        except ValueError as exc:
            raise ConfigError("firmware_public_key must be base64 text") from exc
        if len(raw_key) != 32:
            raise ConfigError("firmware_public_key must be a raw 32-byte Ed25519 key")
    confirm_seconds = _get(raw, "firmware_confirm_seconds", float, 600.0)
    if not 5 <= confirm_seconds <= 86400:
        raise ConfigError("firmware_confirm_seconds must be 5..86400")
    return FrameConfig(
        api_url=api_url,
        state_dir=state_dir,
        panel=panel,
        display=display,
        dashboard_host=_get(raw, "dashboard_host", str, "127.0.0.1"),
        dashboard_port=port,
        # While updates are on, the version is the installed release's own (stamped into
        # __init__.py by the release build): a fixed value here would never match it.
        firmware_version=(
            __version__
            if firmware_root and firmware_key
            else _get(raw, "firmware_version", str, __version__)
        ),
        mqtt_keepalive_seconds=keepalive,
        min_refresh_seconds=min_refresh,
        log_level=log_level,
        firmware_root=Path(firmware_root).expanduser() if firmware_root else None,
        firmware_public_key=firmware_key,
        firmware_confirm_seconds=confirm_seconds,
    )


def load_config(path: Path, *, force_virtual: bool = False) -> FrameConfig:
    """Read and validate the TOML file at ``path``. Relative state_dir is relative to the file."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    config = parse_config(raw, force_virtual=force_virtual)
    if not config.state_dir.is_absolute():
        config = replace(config, state_dir=(path.parent / config.state_dir).resolve())
    return config
