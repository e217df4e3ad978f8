"""What the IoT topic rules hand the frame-report functions, parsed into typed messages.

A frame's status and events are checked against the protocol's one schema
(``chalicelib.frame_protocol``, the same file the frame validates with) before anything reads
them; the frame id is the topic's (``topic(3) AS frameId`` in the rule), never the payload's.
Anything else raises :class:`MalformedMessage`: the entrypoint logs it and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib import frame_protocol
from chalicelib.domain.ids import is_id


class MalformedMessage(ValueError):
    """Not a message of the frame protocol; ``str()`` says why (safe to log)."""


@dataclass(frozen=True)
class FrameEvent:
    """One event a frame published (docs/protocol.md §5)."""

    frame_id: str
    type: str
    event_id: str
    at: str
    share_id: str | None = None
    reason: str | None = None
    version: str | None = None  # firmware events
    state: str | None = None  # firmware events


@dataclass(frozen=True)
class FrameStatus:
    """A frame's retained status (§4); ``None`` is "not said"."""

    frame_id: str
    online: bool
    firmware: str | None = None
    showing: str | None = None
    next_wake_at: str | None = None
    free_bytes: int | None = None
    battery: float | None = None


@dataclass(frozen=True)
class FramePresence:
    """IoT Core's lifecycle event for a frame's MQTT client."""

    frame_id: str
    connected: bool
    timestamp_ms: int
    client_initiated: bool


def _frame_and_body(event: Mapping[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(event, Mapping):
        raise MalformedMessage(f"{kind} is not an object")
    frame_id = event.get("frameId")
    if not is_id(frame_id, "frm"):
        raise MalformedMessage(f"{kind} has no frame id from its topic")
    assert isinstance(frame_id, str)
    return frame_id, {k: v for k, v in event.items() if k != "frameId"}


def parse_frame_event(event: Mapping[str, Any]) -> FrameEvent:
    frame_id, body = _frame_and_body(event, "event")
    try:
        kind = frame_protocol.check_event(body)
    except frame_protocol.ProtocolError as exc:
        raise MalformedMessage(str(exc)) from None
    return FrameEvent(
        frame_id=frame_id,
        type=kind,
        event_id=body["eventId"],
        at=body["at"],
        share_id=body.get("shareId"),
        reason=body.get("reason"),
        version=body.get("version"),
        state=body.get("state"),
    )


def parse_frame_status(event: Mapping[str, Any]) -> FrameStatus:
    frame_id, body = _frame_and_body(event, "status")
    try:
        frame_protocol.check("status", body)
    except frame_protocol.ProtocolError as exc:
        raise MalformedMessage(str(exc)) from None
    free_bytes = body.get("freeBytes")
    battery = body.get("battery")
    return FrameStatus(
        frame_id=frame_id,
        online=body["online"],
        firmware=body.get("firmware"),
        showing=body.get("showing"),
        next_wake_at=body.get("nextWakeAt"),
        free_bytes=None if free_bytes is None else int(free_bytes),
        battery=None if battery is None else float(battery),
    )


def parse_presence(event: Mapping[str, Any]) -> FramePresence:
    """IoT Core's lifecycle event (not the frame protocol: AWS defines it)."""
    if not isinstance(event, Mapping):
        raise MalformedMessage("lifecycle event is not an object")
    frame_id, kind, stamp = event.get("clientId"), event.get("eventType"), event.get("timestamp")
    if (
        not is_id(frame_id, "frm")
        or kind not in ("connected", "disconnected")
        or not isinstance(stamp, int)
        or isinstance(stamp, bool)
    ):
        raise MalformedMessage("not a lifecycle event of a frame")
    assert isinstance(frame_id, str)
    return FramePresence(
        frame_id=frame_id,
        connected=kind == "connected",
        timestamp_ms=stamp,
        client_initiated=event.get("clientInitiatedDisconnect") is True,
    )
