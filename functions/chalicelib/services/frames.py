"""A user's frames: listing, settings and unpairing."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import rendering
from chalicelib.adapters import iot_registry, tables, timers
from chalicelib.adapters.conditional import delete_if
from chalicelib.domain import jobs
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.frame_settings import apply_changes
from chalicelib.domain.ids import is_id
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import frame_sync

log = logging.getLogger(__name__)


def describe(frame: tables.FrameRecord) -> dict[str, Any]:
    return {
        "frameId": frame.frame_id,
        "name": frame.name,
        "ownerId": frame.owner_id,
        "panel": frame.panel,
        "orientation": frame.orientation,
        "intervalSeconds": int(frame.interval_seconds),
        "order": frame.order,
        "quietHours": frame.quiet_hours,
        "timeZone": frame.time_zone,
        "showStatus": frame.show_status,
        "sendPolicy": frame.send_policy,
        "allowedSenders": list(frame.allowed_senders or []),
        "defaultDuration": frame.default_duration,
        "status": {
            "online": frame.online,
            "lastSeenAt": iso(frame.last_seen_at) if frame.last_seen_at else None,
            "firmware": frame.firmware,
            "freeBytes": frame.free_bytes,
            "battery": frame.battery,
            "nextWakeAt": frame.next_wake_at,
            "showing": frame.showing,
        },
        "autoUpdate": frame.auto_update,
        "createdAt": iso(frame.created_at),
    }


def find(frame_id: str) -> tables.FrameRecord | None:
    if not is_id(frame_id, "frm"):
        return None
    try:
        return tables.FrameRecord.get(frame_id)
    except tables.DoesNotExist:
        return None


def owned(user_id: str, frame_id: str) -> tables.FrameRecord:
    """The frame if ``user_id`` owns it; a stranger learns nothing (404, not 403)."""
    frame = find(frame_id)
    if frame is None or frame.owner_id != user_id:
        raise NotFound("This frame does not exist.")
    return frame


def of_owner(user_id: str) -> list[tables.FrameRecord]:
    return list(tables.FrameRecord.by_owner.query(user_id))


def republish(frame_id: str) -> None:
    frame_sync.publish(frame_id)


def update(user_id: str, frame_id: str, changes: dict[str, Any]) -> tables.FrameRecord:
    frame = owned(user_id, frame_id)
    changes = dict(changes)
    auto_update = changes.pop("autoUpdate", None)
    if auto_update is not None and not isinstance(auto_update, bool):
        raise ValidationFailed("autoUpdate must be true or false.", field="autoUpdate")
    new = apply_changes(frame_sync.frame_settings(frame), changes, frozenset(rendering.PANELS))
    if auto_update is not None:
        frame.update(actions=[tables.FrameRecord.auto_update.set(auto_update)])
    frame.update(
        actions=[
            tables.FrameRecord.name.set(new.name),
            tables.FrameRecord.panel.set(new.panel),
            tables.FrameRecord.orientation.set(new.orientation),
            tables.FrameRecord.interval_seconds.set(new.interval_seconds),
            tables.FrameRecord.order.set(new.order),
            tables.FrameRecord.quiet_hours.set(new.quiet_hours),
            tables.FrameRecord.time_zone.set(new.time_zone),
            tables.FrameRecord.show_status.set(new.show_status),
            tables.FrameRecord.send_policy.set(new.send_policy),
            tables.FrameRecord.allowed_senders.set(list(new.allowed_senders)),
            tables.FrameRecord.default_duration.set(new.default_duration),
        ]
    )
    frame_sync.publish(frame_id)
    return frame


def unpair(user_id: str, frame_id: str) -> None:
    """Tell the frame to wipe itself, revoke its certificate, delete the thing and its records."""
    frame = owned(user_id, frame_id)
    unpair_frame(frame)


def unpair_frame(frame: tables.FrameRecord) -> None:
    frame_sync.publish_unpaired(frame.frame_id, int(frame.state_version) + 1)
    iot_registry.revoke_frame(frame.frame_id, frame.certificate_id)
    for delivery in tables.DeliveryRecord.query(frame.frame_id):
        _drop_delivery(delivery)
    if frame.pairing_code:
        delete_if(
            tables.PairingSessionRecord(frame.pairing_code),
            tables.PairingSessionRecord.frame_id == frame.frame_id,
        )
    frame.delete()
    log.info("frame unpaired", extra={"frameId": frame.frame_id})


def _drop_delivery(delivery: tables.DeliveryRecord) -> None:
    """The share loses this frame; a share left with no frame at all goes too."""
    delivery.delete()
    try:
        share = tables.ShareRecord.get(delivery.share_id, consistent_read=True)
    except tables.DoesNotExist:
        return
    remaining = [f for f in share.frame_ids if f != delivery.frame_id]
    if remaining:
        share.update(actions=[tables.ShareRecord.frame_ids.set(remaining)])
        return
    share.delete()
    if share.expires_at is not None:
        timers.cancel(
            jobs.EXPIRE_SHARES, share.expires_at, {"shareId": share.share_id}, now=utcnow()
        )
