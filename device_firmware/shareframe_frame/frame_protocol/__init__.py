"""The frame protocol's one schema (``schema.json``, docs/protocol.md), and checks against it.

The same directory serves both sides: it ships inside the frame bundle, and the backend imports
it as ``chalicelib.frame_protocol`` (a directory of links to these files, which Chalice
packages as copies; tests/deploy checks them). Stdlib only; no import from either package.

    >>> check("desired", message)              # raises ProtocolError, or returns
    >>> check_event({"type": "resync", ...})   # the kind comes from ``type``
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .validator import SchemaViolation, Validator

SCHEMA_PATH = Path(__file__).with_name("schema.json")


class ProtocolError(ValueError):
    """A message that is not what the protocol allows; ``str()`` says where and why."""


@functools.cache
def _validator() -> Validator:
    return Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@functools.cache
def message_kinds() -> dict[str, str]:
    """Every message kind (``desired``, ``status``, ``event.<type>``, ...) -> its definition."""
    kinds: dict[str, str] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["messages"]
    return kinds


def event_types() -> frozenset[str]:
    return frozenset(k.removeprefix("event.") for k in message_kinds() if k.startswith("event."))


def check(kind: str, message: Any) -> None:
    """Raise :class:`ProtocolError` unless ``message`` is a valid message of ``kind``."""
    ref = message_kinds().get(kind)
    if ref is None:
        raise ProtocolError(f"unknown message kind {kind!r}")
    validator = _validator()
    try:
        validator.validate(validator.resolve(ref), message)
    except SchemaViolation as exc:
        raise ProtocolError(f"{kind} {exc}") from None


def check_event(message: Any) -> str:
    """Check one event against the definition its ``type`` names; returns the type."""
    kind = message.get("type") if isinstance(message, dict) else None
    if not isinstance(kind, str) or kind not in event_types():
        raise ProtocolError(f"event /type: unknown event type {str(kind)[:40]!r}")
    check(f"event.{kind}", message)
    return kind
