"""What frames report over MQTT (routed by IoT topic rules): status and events.

The frame id always comes from the topic (``topic(3)`` in the rule), which the broker has
authenticated against the frame's certificate; nothing in a payload can speak for another frame.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.adapters.tables import DeliveryRecord, FrameRecord
from chalicelib.domain import sharing
from chalicelib.domain.ids import is_id
from chalicelib.domain.timefmt import parse_iso, utcnow
from chalicelib.services import frame_sync

log = logging.getLogger(__name__)


def _when(value: object) -> datetime:
    """The frame's clock, unless it is missing or absurd; then ours."""
    now = utcnow()
    if isinstance(value, str) and len(value) <= 40:
        try:
            at = parse_iso(value)
        except ValueError:
            return now
        if abs((at - now).total_seconds()) < 24 * 3600:
            return at
    return now


def handle_event(message: dict[str, Any]) -> str:
    frame_id = message.get("frameId")
    kind = message.get("type")
    if not is_id(frame_id, "frm") or not isinstance(kind, str):
        return "ignored: malformed"
    assert isinstance(frame_id, str)
    if kind in ("delivered", "displayed"):
        share_id = message.get("shareId")
        if not is_id(share_id, "shr"):
            return "ignored: malformed shareId"
        assert isinstance(share_id, str)
        return _advance(frame_id, share_id, kind, _when(message.get("at")))
    if kind == "resync":
        frame_sync.publish(frame_id)
        return "republished"
    if kind == "error":
        log.warning(
            "frame reported an error",
            extra={"frameId": frame_id, "reason": str(message.get("reason"))[:200]},
        )
        return "logged"
    return "ignored: unknown type"


def _advance(frame_id: str, share_id: str, state: str, at: datetime) -> str:
    allowed = [s for s in ("queued", "delivered", "displayed") if sharing.advances(s, state)]
    actions: list[Action] = [DeliveryRecord.state.set(state)]
    if state == "delivered":
        actions.append(DeliveryRecord.delivered_at.set(at))
    else:
        actions += [
            DeliveryRecord.displayed_at.set(at),
            DeliveryRecord.delivered_at.set(DeliveryRecord.delivered_at | at),
        ]
    try:
        DeliveryRecord(frame_id, share_id).update(
            actions=actions,
            condition=DeliveryRecord.frame_id.exists() & DeliveryRecord.state.is_in(*allowed),
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return "ignored: not a forward step"
        raise
    log.info("delivery advanced", extra={"frameId": frame_id, "shareId": share_id, "state": state})
    return state


def handle_status(message: dict[str, Any]) -> str:
    frame_id = message.get("frameId")
    if not is_id(frame_id, "frm"):
        return "ignored: malformed"
    online = message.get("online") is True
    actions: list[Action] = [FrameRecord.online.set(online), FrameRecord.last_seen_at.set(utcnow())]
    if online:
        actions += [
            attr.set(value)
            for key, attr, limit in (
                ("firmware", FrameRecord.firmware, 32),
                ("showing", FrameRecord.showing, 40),
                ("nextWakeAt", FrameRecord.next_wake_at, 40),
            )
            if isinstance(value := message.get(key), str) and len(value) <= limit
        ]
        actions += [
            attr.set(number)
            for key, attr in (
                ("freeBytes", FrameRecord.free_bytes),
                ("battery", FrameRecord.battery),
            )
            if isinstance(number := message.get(key), int | float)
            and not isinstance(number, bool)
            and 0 <= number < 2**53
        ]
    try:
        FrameRecord(str(frame_id)).update(actions=actions, condition=FrameRecord.frame_id.exists())
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return "ignored: unknown frame"
        raise
    return "online" if online else "offline"
