"""docs/protocol.md and the frame protocol's schema say the same thing.

Every ```json example from §2 on is tagged with its message kind (```` ```json message=status ````)
and must be a valid message of that kind; every kind the schema defines must have an example.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from shareframe_frame import frame_protocol

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
FENCE = re.compile(r"^( *)```json([^\n]*)\n(.*?)^\1```", re.S | re.M)
MQTT_SECTIONS_START = "## 2. Topics"


def _messages(body: str) -> list[Any]:
    """A block holds one JSON value or several in a row (like the events)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while body[at:].strip():
        at += len(body[at:]) - len(body[at:].lstrip())
        value, at = decoder.raw_decode(body, at)
        values.append(value)
    return values


def doc_examples() -> list[tuple[str, Any]]:
    """(kind, message) for every tagged example; fails on an untagged one in §2 and later."""
    text = PROTOCOL.read_text(encoding="utf-8")
    mqtt_from = text.index(MQTT_SECTIONS_START)
    examples: list[tuple[str, Any]] = []
    for fence in FENCE.finditer(text):
        info = dict(word.split("=", 1) for word in fence.group(2).split() if "=" in word)
        if fence.start() < mqtt_from:
            assert "message" not in info, "§1 is HTTP: its examples belong to openapi.json"
            continue
        line = text.count("\n", 0, fence.start()) + 1
        assert "message" in info, (
            f"protocol.md:{line}: tag the example, e.g. ```json message=status"
        )
        for message in _messages(fence.group(3)):
            kind = info["message"]
            if kind == "event":
                kind = f"event.{message.get('type')}"
            examples.append((kind, message))
    return examples


EXAMPLES = doc_examples()


@pytest.mark.parametrize(("kind", "message"), EXAMPLES, ids=[k for k, _ in EXAMPLES])
def test_each_example_in_the_protocol_doc_is_a_valid_message(kind: str, message: Any) -> None:
    assert kind in frame_protocol.message_kinds(), f"{kind} is not a message kind of the schema"
    frame_protocol.check(kind, message)


def test_the_doc_shows_every_message_kind_of_the_schema_and_no_other() -> None:
    assert {kind for kind, _ in EXAMPLES} == set(frame_protocol.message_kinds())


def test_an_example_that_breaks_the_schema_is_caught() -> None:
    """The check above can fail: the doc's desired state without its frameId is refused."""
    desired = next(m for k, m in EXAMPLES if k == "desired" and m["paired"])
    broken = {k: v for k, v in desired.items() if k != "frameId"}
    with pytest.raises(frame_protocol.ProtocolError, match="frameId is required"):
        frame_protocol.check("desired", broken)
