"""Configuration is bound at startup (bootstrap.start), never read when a module is imported."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import pytest

from chalicelib import bootstrap, config
from chalicelib.adapters import tables


@pytest.fixture
def restore_binding() -> Iterator[None]:
    before = config.bound()
    yield
    if before is not None:
        bootstrap.start(before)


def test_importing_the_backend_reads_no_configuration():
    """A fresh interpreter imports every table and service without binding anything."""
    code = (
        "import chalicelib.services.sharing, chalicelib.services.maintenance\n"
        "from chalicelib import config\n"
        "from chalicelib.adapters import tables\n"
        "assert config.bound() is None\n"
        "assert {m.Meta.table_name.split('-')[0] for m in tables.ALL_MODELS} == {'unbound'}\n"
        "try:\n"
        "    config.settings()\n"
        "except config.NotBound:\n"
        "    print('not bound')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "not bound"


def test_start_binds_the_settings_to_the_tables(restore_binding):
    mine = config.Settings.from_env({"SHAREFRAME_PREFIX": "unit-a", "SHAREFRAME_WEB_URL": "x/"})
    assert bootstrap.start(mine) is mine
    assert config.settings() is mine and mine.web_url == "x"
    assert tables.UserRecord.Meta.table_name == "unit-a-users"
    assert tables.TimerRecord.Meta.table_name == "unit-a-timers"
    # An entry module started later keeps what the process bound first.
    assert bootstrap.start() is mine
    other = replace(mine, prefix="unit-b")
    bootstrap.start(other)
    assert tables.FrameRecord.Meta.table_name == "unit-b-frames"
    assert tables.FrameRecord._get_connection().table_name == "unit-b-frames"


def test_settings_from_an_environment():
    settings = config.Settings.from_env({"SHAREFRAME_PREFIX": "p", "SHAREFRAME_MQTT_PORT": "1"})
    assert (settings.prefix, settings.media_bucket, settings.mqtt_port) == ("p", "p-media", 1)
    assert settings.uploads_queue == "p-uploads"
