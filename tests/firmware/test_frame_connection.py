"""The MQTT client is built with the reconnect policy docs/protocol.md §2 states."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from awscrt import mqtt5
from awsiot import mqtt5_client_builder

from shareframe_frame.connection import MqttTransport
from shareframe_frame.store import Credentials
from tests.firmware.frame_fakes import FRAME_ID

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def built_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    captured: dict[str, Any] = {}

    def capture(**kwargs: Any) -> object:
        captured.update(kwargs)
        return object()

    monkeypatch.setattr(mqtt5_client_builder, "mtls_from_path", capture)
    credentials = Credentials(
        FRAME_ID, "127.0.0.1", 8883, tmp_path / "k", tmp_path / "c", tmp_path / "ca"
    )
    MqttTransport(
        credentials,
        keep_alive_seconds=60,
        on_message=lambda topic, payload: None,
        on_connection_change=lambda connected, rejected: None,
    )._build()
    return captured


def test_reconnects_use_the_jittered_backoff_the_protocol_promises(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = " ".join(PROTOCOL.read_text(encoding="utf-8").split())
    promise = re.search(
        r"`ExponentialBackoffJitterMode\.(\w+)`, ([\d ]+) ms minimum, ([\d ]+) ms maximum", text
    )
    assert promise is not None, "protocol.md §2 no longer states the reconnect policy"
    mode, low, high = promise.group(1), *(int(g.replace(" ", "")) for g in promise.groups()[1:])
    options = built_options(monkeypatch, tmp_path)
    assert options["retry_jitter_mode"] == mqtt5.ExponentialBackoffJitterMode[mode]
    assert options["retry_jitter_mode"] != mqtt5.ExponentialBackoffJitterMode.NONE
    assert (options["min_reconnect_delay_ms"], options["max_reconnect_delay_ms"]) == (low, high)
    assert (low, high) == (1_000, 300_000)


def test_the_session_and_keep_alive_are_those_of_the_protocol(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    options = built_options(monkeypatch, tmp_path)
    assert options["client_id"] == FRAME_ID
    assert options["keep_alive_interval_sec"] == 60
    assert options["session_behavior"] == mqtt5.ClientSessionBehaviorType.REJOIN_ALWAYS
    assert options["session_expiry_interval_sec"] >= 86_400
    assert options["will"].retain is True and options["will"].payload == b'{"online":false}'
