from __future__ import annotations

import base64
import contextlib
import copy
import functools
import json
import re
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shareframe_frame.desired_state import (
    InvalidDesiredState,
    QuietHours,
    parse_desired_state,
)

FRAME = "frm_01JD2ZK3Q4X7H8M9N0PQRSTVWX"
PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def protocol_example() -> dict[str, Any]:
    """The desired-state example from protocol.md §3."""
    return copy.deepcopy(_protocol_example())


@functools.cache
def _protocol_example() -> dict[str, Any]:
    text = PROTOCOL.read_text()
    section = text.split("## 3. Desired state", 1)[1]
    block = re.search(r"```json message=desired\n(.*?)```", section, re.S)
    assert block is not None
    message: dict[str, Any] = json.loads(block.group(1))
    return message


def parse(message: Any) -> Any:
    return parse_desired_state(json.dumps(message).encode(), FRAME)


def test_the_protocol_example_parses() -> None:
    state = parse(protocol_example())
    assert state.version == 42
    assert state.paired is True
    assert state.settings.interval_seconds == 900
    assert state.settings.time_zone == "Europe/Berlin"
    [item] = state.items
    assert item.share_id == "shr_01JD30A6C2N5E7G9K1M3P5R7T9"
    assert item.file.bytes == 48213
    assert item.expires_at is not None and item.expires_at.tzinfo is not None


def test_unknown_fields_are_ignored() -> None:
    message = protocol_example()
    message["futureThing"] = {"x": 1}
    message["items"][0]["newField"] = [1, 2]
    message["settings"]["brightness"] = 3
    assert parse(message).version == 42


def test_quiet_hours_parse() -> None:
    message = protocol_example()
    message["settings"]["quietHours"] = {"start": "22:00", "end": "07:00"}
    assert parse(message).settings.quiet_hours == QuietHours(time(22, 0), time(7, 0))


def test_unpaired_message_without_items_parses() -> None:
    message = {
        "schema": 1,
        "frameId": FRAME,
        "version": 43,
        "issuedAt": "2026-11-25T12:00:00Z",
        "paired": False,
        "items": [],
    }
    state = parse(message)
    assert state.paired is False
    assert state.items == ()


def _set(message: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    message = copy.deepcopy(message)
    target: Any = message
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return message


_DELETE = object()

INVALID = [
    ("frameId", "frm_someone_else"),
    ("frameId", _DELETE),
    ("version", "42"),
    ("version", True),
    ("version", -1),
    ("version", 4.2),
    ("version", _DELETE),
    ("schema", 2),
    ("paired", "yes"),
    ("issuedAt", "yesterday"),
    ("issuedAt", "2026-11-25T12:00:00"),
    ("items", {}),
    ("items", [1]),
    ("settings", None),
    ("settings.intervalSeconds", "900"),
    ("settings.intervalSeconds", 0),
    ("settings.order", "random"),
    ("settings.timeZone", "Mars/Olympus"),
    ("settings.timeZone", "../../etc/passwd"),
    ("settings.showStatus", 1),
    ("settings.quietHours", {"start": "25:00", "end": "07:00"}),
    ("settings.quietHours", "22-07"),
    ("items.0.shareId", 5),
    ("items.0.shareId", "shr/../../x"),
    ("items.0.shareId", _DELETE),
    ("items.0.sentAt", None),
    ("items.0.expiresAt", "soon"),
    ("items.0.senderName", 7),
    ("items.0.file", None),
    ("items.0.file.url", "file:///etc/passwd"),
    ("items.0.file.url", "ftp://example.com/x.png"),
    ("items.0.file.url", "https://exa mple.com/x.png"),
    ("items.0.file.sha256", "9f2c"),
    ("items.0.file.sha256", "z" * 64),
    ("items.0.file.sha256", "../" * 21 + "a"),
    ("items.0.file.bytes", 20 * 1024 * 1024 + 1),
    ("items.0.file.bytes", 0),
    ("items.0.file.bytes", "48213"),
    ("items.0.file.bytes", _DELETE),
]


@pytest.mark.parametrize(("path", "value"), INVALID)
def test_each_invalid_field_is_rejected(path: str, value: Any) -> None:
    with pytest.raises(InvalidDesiredState):
        parse(_set(protocol_example(), path, value))


def test_too_many_items_are_rejected() -> None:
    message = protocol_example()
    one = message["items"][0]
    message["items"] = [dict(one, shareId=f"shr_{i}") for i in range(501)]
    with pytest.raises(InvalidDesiredState, match="more than 500"):
        parse(message)


def test_repeated_share_ids_are_rejected() -> None:
    message = protocol_example()
    message["items"] = message["items"] * 2
    with pytest.raises(InvalidDesiredState, match="repeated"):
        parse(message)


@pytest.mark.parametrize(
    "payload",
    [b"", b"not json", b"\xff\xfe", b"[]", b"null", b"1", b"{" * 100000, b'"x"' * 200000],
)
def test_garbage_is_rejected(payload: bytes) -> None:
    with pytest.raises(InvalidDesiredState):
        parse_desired_state(payload, FRAME)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
FIELDS = ["schema", "frameId", "version", "issuedAt", "paired", "settings", "items", "firmware"]


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    """The valid example with random fields replaced, deleted or nested junk inserted."""
    message = protocol_example()
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["top", "settings", "item", "file"]))
        target: dict[str, Any]
        if where == "top":
            target = message
        elif where == "settings" and isinstance(message.get("settings"), dict):
            target = message["settings"]
        elif (
            where in ("item", "file")
            and isinstance(message.get("items"), list)
            and message["items"]
            and isinstance(message["items"][0], dict)
        ):
            target = message["items"][0]
            if where == "file" and isinstance(target.get("file"), dict):
                target = target["file"]
        else:
            target = message
        keys = list(target) or ["x"]
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(json_values)
    return json.dumps(message).encode()


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_fuzzed_messages_raise_only_invalid_desired_state(payload: bytes) -> None:
    with contextlib.suppress(InvalidDesiredState):
        parse_desired_state(payload, FRAME)


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())))
def test_random_bytes_and_json_raise_only_invalid_desired_state(payload: bytes) -> None:
    with pytest.raises(InvalidDesiredState):
        parse_desired_state(payload, FRAME)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_escapes(text: str) -> None:
    with contextlib.suppress(InvalidDesiredState):
        parse_desired_state(text, FRAME)


def test_show_next_and_firmware_parse() -> None:
    message = protocol_example()
    message["showNext"] = {
        "shareId": "shr_01JD30A6C2N5E7G9K1M3P5R7T9",
        "requestedAt": "2026-11-25T12:01:00Z",
    }
    message["firmware"] = {
        "version": "0.2.0",
        "criticality": "minor",
        "install": True,
        "file": {
            "url": "https://example.com/firmware/stable/0.2.0.tar.gz?X-Amz-Signature=x",
            "urlExpiresAt": "2026-11-25T13:00:00Z",
            "sha256": "ab" * 32,
            "bytes": 48213,
            "contentType": "application/gzip",
        },
        "signature": base64.b64encode(b"s" * 64).decode(),
    }
    message["settings"]["quietHours"] = {"start": "22:00", "end": "07:00", "mode": "clear"}
    state = parse(message)
    assert state.show_next is not None and state.show_next.share_id.startswith("shr_")
    assert state.firmware is not None and state.firmware.version == "0.2.0"
    assert state.firmware.signature == b"s" * 64
    assert state.settings.quiet_hours is not None and state.settings.quiet_hours.mode == "clear"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("showNext", "shr_a"),
        ("showNext", {"shareId": "shr_a"}),
        ("showNext", {"shareId": 1, "requestedAt": "2026-11-25T12:01:00Z"}),
        ("firmware", "0.2.0"),
        ("firmware", {"version": "0.2.0"}),
    ],
)
def test_invalid_show_next_or_firmware_is_rejected(path: str, value: Any) -> None:
    with pytest.raises(InvalidDesiredState):
        parse(_set(protocol_example(), path, value))


def test_a_firmware_signature_that_is_not_ed25519_is_rejected() -> None:
    message = protocol_example()
    message["firmware"] = {
        "version": "0.2.0",
        "criticality": "minor",
        "install": True,
        "file": {
            "url": "https://e.com/f.tar.gz",
            "urlExpiresAt": None,
            "sha256": "ab" * 32,
            "bytes": 10,
            "contentType": "application/gzip",
        },
        "signature": base64.b64encode(b"short").decode(),
    }
    with pytest.raises(InvalidDesiredState, match="signature"):
        parse(message)
