"""Sending photos to frames, following each delivery, and taking photos back off."""

from __future__ import annotations

import logging
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.adapters.tables import DeliveryRecord, FrameRecord, ShareRecord, UserRecord
from chalicelib.config import settings
from chalicelib.domain import sharing
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.permissions import may_send
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import frame_sync, friends, images

log = logging.getLogger(__name__)


def _frames(frame_ids: list[str]) -> dict[str, FrameRecord]:
    return {f.frame_id: f for f in FrameRecord.batch_get(frame_ids)}


def create(
    sender_id: str,
    image_id: object,
    frame_ids: object,
    *,
    duration: object = None,
    expires_at: object = None,
    caption: object = None,
) -> dict[str, Any]:
    if not isinstance(image_id, str):
        raise ValidationFailed("imageId is required.", field="imageId")
    if (
        not isinstance(frame_ids, list)
        or not 1 <= len(frame_ids) <= sharing.MAX_TARGETS
        or not all(isinstance(f, str) for f in frame_ids)
    ):
        raise ValidationFailed(
            f"frameIds must list 1 to {sharing.MAX_TARGETS} frames.", field="frameIds"
        )
    targets = list(dict.fromkeys(frame_ids))
    now = utcnow()
    until = sharing.expiry(now, duration, expires_at)
    text = sharing.validate_caption(caption)
    image = images.get(sender_id, image_id)
    if image.state != "ready":
        raise ValidationFailed("This photo is not ready yet.", field="imageId")
    found = _frames([f for f in targets if is_id(f, "frm")])
    for frame_id in targets:
        frame = found.get(frame_id)
        if frame is None or not may_send(
            frame_sync.frame_settings(frame),
            owner_id=frame.owner_id,
            sender_id=sender_id,
            are_friends=friends.are_friends(frame.owner_id, sender_id),
        ):
            # Same answer for "does not exist" and "not allowed": no probing of frame ids.
            raise Forbidden("You cannot send photos to this frame.", field="frameIds")
    sender = UserRecord.get(sender_id)
    share = ShareRecord(
        new_id("shr"),
        sender_id=sender_id,
        sender_name=sender.display_name,
        image_id=image.image_id,
        caption=text,
        created_at=iso(now),
        expires_at=until,
        frame_ids=targets,
    )
    deliveries = []
    for frame_id in targets:
        frame = found[frame_id]
        live = frame_sync.live_items(frame_id)
        # Sending the same photo again refreshes it: the older delivery makes way for the new one.
        replaced = [i for i in live if i.image_id == image.image_id]
        if len(live) - len(replaced) >= settings().max_items_per_frame:
            raise Conflict(
                f'The frame "{frame.name}" is full ({settings().max_items_per_frame} photos). '
                "Remove some photos from it first.",
                field="frameIds",
            )
        entry = images.rendition(image, frame.panel, frame.orientation)
        deliveries.append(
            (
                DeliveryRecord(
                    frame_id,
                    share.share_id,
                    frame_owner_id=frame.owner_id,
                    sender_id=sender_id,
                    sender_name=sender.display_name,
                    image_id=image.image_id,
                    caption=text,
                    state="queued",
                    sent_at=now,
                    expires_at=until,
                    file_key=entry["key"],
                    file_sha256=entry["sha256"],
                    file_bytes=entry["bytes"],
                ),
                [i.share_id for i in replaced],
            )
        )
    share.save()
    for delivery, replaced_ids in deliveries:
        delivery.save()
        for old in replaced_ids:
            _set_final(delivery.frame_id, old, "removed")
    for frame_id in targets:
        frame_sync.publish(frame_id)
    log.info("share sent", extra={"shareId": share.share_id, "frames": len(targets)})
    return describe(share, [d for d, _ in deliveries], found)


def _set_final(frame_id: str, share_id: str, state: str) -> bool:
    try:
        DeliveryRecord(frame_id, share_id).update(
            actions=[DeliveryRecord.state.set(state)],
            condition=DeliveryRecord.frame_id.exists()
            & DeliveryRecord.state.is_in("queued", "delivered", "displayed"),
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def describe(
    share: ShareRecord, deliveries: list[DeliveryRecord], frames: dict[str, FrameRecord]
) -> dict[str, Any]:
    return {
        "shareId": share.share_id,
        "imageId": share.image_id,
        "senderId": share.sender_id,
        "senderName": share.sender_name,
        "caption": share.caption,
        "createdAt": share.created_at,
        "expiresAt": iso(share.expires_at) if share.expires_at else None,
        "deliveries": [
            {
                "frameId": d.frame_id,
                "frameName": frames[d.frame_id].name if d.frame_id in frames else None,
                "ownerId": d.frame_owner_id,
                "state": d.state,
                "deliveredAt": iso(d.delivered_at) if d.delivered_at else None,
                "displayedAt": iso(d.displayed_at) if d.displayed_at else None,
            }
            for d in deliveries
        ],
    }


def _load(share_id: str) -> tuple[ShareRecord, list[DeliveryRecord]]:
    if not is_id(share_id, "shr"):
        raise NotFound("This share does not exist.")
    try:
        share = ShareRecord.get(share_id)
    except DoesNotExist as err:
        raise NotFound("This share does not exist.") from err
    deliveries = list(DeliveryRecord.batch_get([(f, share_id) for f in share.frame_ids]))
    deliveries.sort(key=lambda d: share.frame_ids.index(d.frame_id))
    return share, deliveries


def get(user_id: str, share_id: str) -> dict[str, Any]:
    """Visible to the sender and to the owners of the frames it went to (their part only)."""
    share, deliveries = _load(share_id)
    if share.sender_id != user_id:
        deliveries = [d for d in deliveries if d.frame_owner_id == user_id]
        if not deliveries:
            raise NotFound("This share does not exist.")
    return describe(share, deliveries, _frames([d.frame_id for d in deliveries]))


def remove(user_id: str, share_id: str, frame_id: str) -> None:
    """The sender, or the frame's owner, takes the photo off that frame at once."""
    share, deliveries = _load(share_id)
    delivery = next((d for d in deliveries if d.frame_id == frame_id), None)
    if delivery is None or user_id not in (share.sender_id, delivery.frame_owner_id):
        raise NotFound("This photo is not on that frame.")
    if _set_final(frame_id, share_id, "removed"):
        frame_sync.publish(frame_id)
