"""Sending photos to frames, following each delivery, and taking photos back off."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters import media_store, tables
from chalicelib.api.models.shares import ListSharesQuery, SendPhoto
from chalicelib.domain import jobs, sharing
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.ids import is_id
from chalicelib.domain.permissions import may_send
from chalicelib.domain.timefmt import iso
from chalicelib.events.messages import Band, RenderRequest
from chalicelib.services import frame_sync, friends, paging
from chalicelib.services.ports import Deps

log = logging.getLogger(__name__)
HISTORY_KEPT = timedelta(days=14)
LIVE = ("queued", "delivered", "displayed")
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


def may_send_to(deps: Deps, frame: tables.FrameRecord, sender_id: str) -> bool:
    return may_send(
        frame_sync.frame_settings(frame),
        owner_id=frame.owner_id,
        sender_id=sender_id,
        are_friends=friends.are_friends(deps, frame.owner_id, sender_id),
    )


def _image(deps: Deps, user_id: str, image_id: str) -> tables.ImageRecord:
    """One of the user's library photos (a deleted one is gone for sending)."""
    image = deps.images.get(user_id, image_id) if is_id(image_id, "img") else None
    if image is None or image.state == "deleted":
        raise NotFound("This photo does not exist.")
    return image


def targets(deps: Deps, user_id: str) -> list[dict[str, Any]]:
    """Frames this user may send to: their own and their friends' that allow it."""
    owners = [user_id, *friends.friend_ids(deps, user_id)]
    names = {u.user_id: u.display_name for u in deps.users.many(owners).values()}
    out = []
    for owner in owners:
        for frame in deps.frames.of_owner(owner):
            if may_send_to(deps, frame, user_id):
                out.append(
                    {
                        "frameId": frame.frame_id,
                        "name": frame.name,
                        "ownerId": owner,
                        "ownerName": names.get(owner),
                        "panel": frame.panel,
                        "orientation": frame.orientation,
                        "online": frame.online,
                        "defaultDuration": frame.default_duration,
                    }
                )
    return out


def sender_label(frame: tables.FrameRecord, sender_id: str, sender_name: str) -> str | None:
    """ "from Ana" in the caption band, on frames whose owner asked for the status line, for
    photos from someone else."""
    if not frame.show_status or sender_id == frame.owner_id:
        return None
    return f"from {sender_name}"


def preview(
    deps: Deps, user_id: str, image_id: str, frame_id: str, caption: str | None
) -> dict[str, Any]:
    """Exactly what ``frame_id`` will show if this photo is sent to it with this caption: the
    same rendition (crop, dithering, caption band and sender label) the share would make."""
    text = sharing.validate_caption(caption)
    image = _image(deps, user_id, image_id)
    frame = deps.frames.get(frame_id) if is_id(frame_id, "frm") else None
    if frame is None or not may_send_to(deps, frame, user_id):
        raise Forbidden("You cannot send photos to this frame.", field="frameId")
    entry = deps.render(
        image,
        frame.panel,
        frame.orientation,
        text,
        sender_label(frame, user_id, _name(deps, user_id)),
    )
    return {
        "frameId": frame.frame_id,
        "panel": frame.panel,
        "orientation": frame.orientation,
        "width": entry["width"],
        "height": entry["height"],
        "previewUrl": deps.media.presigned_get_cached(entry["previewKey"]),
    }


def _name(deps: Deps, user_id: str) -> str:
    user = deps.users.get(user_id)
    if user is None:
        raise NotFound("This account does not exist.")
    return user.display_name


def create(deps: Deps, sender_id: str, command: SendPhoto) -> dict[str, Any]:
    """Send one ready photo to 1-20 frames (the command's shape was checked at the edge)."""
    wanted = list(dict.fromkeys(command.frame_ids))
    now = deps.clock()
    sharing.expiry(now, command.duration, command.expires_at)  # a bad choice fails first
    text = sharing.validate_caption(command.caption)
    image = _image(deps, sender_id, command.image_id)
    if image.state != "ready":
        raise ValidationFailed("This photo is not ready yet.", field="imageId")
    found = deps.frames.many(f for f in wanted if is_id(f, "frm"))
    for frame_id in wanted:
        frame = found.get(frame_id)
        if frame is None or not may_send_to(deps, frame, sender_id):
            # Same answer for "does not exist" and "not allowed": no probing of frame ids.
            raise Forbidden("You cannot send photos to this frame.", field="frameIds")
    # The sender's choice, else each frame owner's default: the ends may differ per frame.
    ends = sharing.expiries(
        now,
        command.duration,
        command.expires_at,
        {f: found[f].default_duration for f in wanted},
    )
    until = sharing.last_end(ends.values())
    sender_name = _name(deps, sender_id)
    limit = deps.settings.max_items_per_frame
    share = tables.ShareRecord(
        deps.new_id("shr"),
        sender_id=sender_id,
        sender_name=sender_name,
        image_id=image.image_id,
        caption=text,
        created_at=iso(now),
        expires_at=until,
        frame_ids=wanted,
    )
    planned = []
    waiting: dict[tuple[str, str, str | None], list[str]] = {}
    files: dict[tuple[str, str, str | None], dict[str, Any] | None] = {}
    photo_thumbnail = media_store.derived_prefix(image.user_id, image.image_id) + "thumbnail.jpg"
    for frame_id in wanted:
        frame = found[frame_id]
        live = deps.shares.live_on(frame_id)
        # Sending the same photo again refreshes it: the older delivery makes way for this one.
        replaced = [d.share_id for d in live if d.image_id == image.image_id]
        if len(live) - len(replaced) >= limit:
            raise Conflict(
                f'The frame "{frame.name}" is full ({limit} photos). '
                "Remove some photos from it first.",
                field="frameIds",
            )
        # No image work here (issue 16): a rendition made before (a preview, an earlier send
        # to this panel) is used as it is; any other is made by the rendition workers.
        variant = (frame.panel, frame.orientation, sender_label(frame, sender_id, sender_name))
        if variant not in files:
            files[variant] = deps.cached_rendition(image, *variant[:2], text, variant[2])
        entry = files[variant]
        if entry is None:
            waiting.setdefault(variant, []).append(frame_id)
        delivery = tables.DeliveryRecord(
            frame_id,
            share.share_id,
            frame_owner_id=frame.owner_id,
            sender_id=sender_id,
            sender_name=sender_name,
            image_id=image.image_id,
            caption=text,
            state="queued",
            sent_at=now,
            expires_at=ends[frame_id],
            file_key=entry["key"] if entry else None,
            file_sha256=entry["sha256"] if entry else None,
            file_bytes=entry["bytes"] if entry else None,
            thumbnail_key=entry["thumbnailKey"] if entry else photo_thumbnail,
        )
        planned.append((delivery, replaced))
    share.thumbnail_key = planned[0][0].thumbnail_key
    # Timers and rendition jobs first: if anything below fails, a timer for a missing share
    # does nothing, and a rendition job for one is dropped once it is clearly never coming.
    # One timer per distinct end (frames whose owners chose different defaults), usually one.
    for end in sorted({e for e in ends.values() if e is not None}):
        deps.timers.schedule(jobs.EXPIRE_SHARES, end, {"shareId": share.share_id}, now=now)
    deps.render_queue.request(_render_requests(share.share_id, waiting, now))
    _extend_image_life(deps, image, until)
    deps.shares.add(share, [d for d, _ in planned])
    for delivery, replaced in planned:
        deps.frames.count_item(delivery.frame_id, 1)
        for old in replaced:
            leave_frame(deps, delivery.frame_id, old, "removed", publish=False)
    _count_sent(deps, share, planned, now)
    for delivery, replaced in planned:
        # A delivery still waiting for its file is published by the rendition worker.
        if delivery.file_key is not None or replaced:
            deps.frame_channel.publish(delivery.frame_id)
    log.info("share sent", extra={"shareId": share.share_id, "frames": len(wanted)})
    return describe(deps, share, [d for d, _ in planned], found)


def _render_requests(
    share_id: str, waiting: dict[tuple[str, str, str | None], list[str]], now: datetime
) -> list[RenderRequest]:
    """One job per panel and orientation (the photo is dithered once for all its labels)."""
    bands: dict[tuple[str, str], list[Band]] = {}
    for (panel, orientation, label), frame_ids in waiting.items():
        bands.setdefault((panel, orientation), []).append(Band(label, tuple(frame_ids)))
    return [
        RenderRequest(share_id, panel, orientation, tuple(group), queued_at=now)
        for (panel, orientation), group in bands.items()
    ]


def _extend_image_life(deps: Deps, image: tables.ImageRecord, until: datetime | None) -> None:
    """Remember how long this photo's renditions are needed on frames (None = until removed)."""
    wanted = until or FOREVER
    if image.shares_until is None or image.shares_until < wanted:
        deps.images.keep_renditions_until(image, wanted)


def _count_sent(
    deps: Deps,
    share: tables.ShareRecord,
    planned: list[tuple[tables.DeliveryRecord, list[str]]],
    now: datetime,
) -> None:
    deps.activity.count(share.sender_id, "sent", now)
    first = {d.frame_owner_id: d for d, _ in reversed(planned)}
    for owner in first.keys() - {share.sender_id}:
        deps.activity.count(owner, "received", now)
        deps.activity.record(
            owner,
            "photo_received",
            now,
            shareId=share.share_id,
            userId=share.sender_id,
            fromName=share.sender_name,
            thumbnailKey=first[owner].thumbnail_key,
        )


def leave_frame(
    deps: Deps, frame_id: str, share_id: str, state: str, *, publish: bool = True
) -> bool:
    """Move a live delivery to ``removed`` or ``expired``; True when it was live."""
    if not deps.shares.leave(frame_id, share_id, state):
        return False
    deps.frames.count_item(frame_id, -1)
    if publish:
        deps.frame_channel.publish(frame_id)
    return True


def describe(
    deps: Deps,
    share: tables.ShareRecord,
    deliveries: list[tables.DeliveryRecord],
    frames: dict[str, tables.FrameRecord],
) -> dict[str, Any]:
    return {
        "shareId": share.share_id,
        "imageId": share.image_id,
        "senderId": share.sender_id,
        "senderName": share.sender_name,
        "caption": share.caption,
        "createdAt": share.created_at,
        "expiresAt": iso(share.expires_at) if share.expires_at else None,
        "thumbnailUrl": _url(deps, share.thumbnail_key),
        "previewUrl": _url(deps, deliveries[0].file_key) if deliveries else None,
        "deliveries": [_delivery(deps, d, frames.get(d.frame_id)) for d in deliveries],
    }


def _url(deps: Deps, key: str | None) -> str | None:
    return deps.media.presigned_get_cached(key) if key else None


def _delivery(
    deps: Deps, d: tables.DeliveryRecord, frame: tables.FrameRecord | None
) -> dict[str, Any]:
    expected = None
    if d.state in ("queued", "delivered") and frame is not None and not frame.online:
        expected = frame.next_wake_at  # a sleeping frame shows it when it next wakes
    return {
        "frameId": d.frame_id,
        "frameName": frame.name if frame else None,
        "ownerId": d.frame_owner_id,
        "state": d.state,
        "deliveredAt": iso(d.delivered_at) if d.delivered_at else None,
        "displayedAt": iso(d.displayed_at) if d.displayed_at else None,
        "expiresAt": iso(d.expires_at) if d.expires_at else None,
        "expectedAt": expected,
        "thumbnailUrl": _url(deps, d.thumbnail_key),
        "previewUrl": _url(deps, d.file_key),
    }


def _load(deps: Deps, share_id: str) -> tuple[tables.ShareRecord, list[tables.DeliveryRecord]]:
    share = deps.shares.get(share_id) if is_id(share_id, "shr") else None
    if share is None:
        raise NotFound("This share does not exist.")
    return share, deps.shares.deliveries(share)


def get(deps: Deps, user_id: str, share_id: str) -> dict[str, Any]:
    """Visible to the sender and to the owners of the frames it went to (their part only)."""
    share, deliveries = _load(deps, share_id)
    if share.sender_id != user_id:
        deliveries = [d for d in deliveries if d.frame_owner_id == user_id]
        if not deliveries:
            raise NotFound("This share does not exist.")
    return describe(deps, share, deliveries, deps.frames.many(d.frame_id for d in deliveries))


def remove(deps: Deps, user_id: str, share_id: str, frame_id: str) -> None:
    """The sender, or the frame's owner, takes the photo off that frame at once."""
    share, deliveries = _load(deps, share_id)
    delivery = next((d for d in deliveries if d.frame_id == frame_id), None)
    if delivery is None or user_id not in (share.sender_id, delivery.frame_owner_id):
        raise NotFound("This photo is not on that frame.")
    now = deps.clock()
    removed = leave_frame(deps, frame_id, share_id, "removed")
    others_live = any(d.state in LIVE and d.frame_id != frame_id for d in deliveries)
    if removed and share.expires_at is None and not others_live:
        # A share "until removed" has no expiry timer: its history is purged from now.
        deps.timers.schedule(
            jobs.PURGE_SHARE_HISTORY, now + HISTORY_KEPT, {"shareId": share_id}, now=now
        )


def history(deps: Deps, user_id: str, query: ListSharesQuery) -> dict[str, Any]:
    """One page of sent or received shares, newest first (direction and state checked at the
    edge)."""
    found = _sent if query.direction == "sent" else _received
    return found(
        deps, user_id, query.frame_id, query.user_id, query.state, query.limit, query.cursor
    )


def _sent(
    deps: Deps,
    user_id: str,
    frame_id: str | None,
    other_id: str | None,
    state: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    condition = tables.ShareRecord.frame_ids.contains(frame_id) if frame_id else None
    page = tables.ShareRecord.by_sender.query(
        user_id,
        scan_index_forward=False,
        limit=limit,
        filter_condition=condition,
        last_evaluated_key=paging.decode(cursor, owner_attribute="sender_id", owner=user_id),
    )
    shares = list(page)
    keys = [(f, s.share_id) for s in shares for f in s.frame_ids]
    by_share: dict[str, list[tables.DeliveryRecord]] = {}
    for d in tables.DeliveryRecord.batch_get(keys) if keys else []:
        if (other_id is None or d.frame_owner_id == other_id) and (
            state is None or d.state == state
        ):
            by_share.setdefault(d.share_id, []).append(d)
    frames = deps.frames.many(d.frame_id for ds in by_share.values() for d in ds)
    items = [
        describe(deps, s, by_share[s.share_id], frames) for s in shares if s.share_id in by_share
    ]
    return {"items": items, "nextCursor": paging.encode(page.last_evaluated_key)}


def _received(
    deps: Deps,
    user_id: str,
    frame_id: str | None,
    other_id: str | None,
    state: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    condition = None
    for part in (
        tables.DeliveryRecord.frame_id == frame_id if frame_id else None,
        tables.DeliveryRecord.sender_id == other_id if other_id else None,
        tables.DeliveryRecord.state == state if state else None,
    ):
        if part is not None:
            condition = part if condition is None else condition & part
    page = tables.DeliveryRecord.by_owner.query(
        user_id,
        scan_index_forward=False,
        limit=limit,
        filter_condition=condition,
        last_evaluated_key=paging.decode(cursor, owner_attribute="frame_owner_id", owner=user_id),
    )
    deliveries = list(page)
    frames = deps.frames.many(d.frame_id for d in deliveries)
    items = [
        {
            **_arrival(deps, d),
            "createdAt": iso(d.sent_at),
            "deliveries": [_delivery(deps, d, frames.get(d.frame_id))],
        }
        for d in deliveries
    ]
    return {"items": items, "nextCursor": paging.encode(page.last_evaluated_key)}


def _arrival(deps: Deps, d: tables.DeliveryRecord) -> dict[str, Any]:
    """A photo as it arrived on one frame (what the frame's owner sees of it)."""
    return {
        "shareId": d.share_id,
        "imageId": d.image_id,
        "senderId": d.sender_id,
        "senderName": d.sender_name,
        "caption": d.caption,
        "expiresAt": iso(d.expires_at) if d.expires_at else None,
        "thumbnailUrl": _url(deps, d.thumbnail_key),
        "previewUrl": _url(deps, d.file_key),
    }


def on_frame(deps: Deps, user_id: str, frame: tables.FrameRecord) -> list[dict[str, Any]]:
    """What is on one of the user's frames now, newest first (share ids sort by time)."""
    now = deps.clock()
    live = sorted(deps.shares.live_on(frame.frame_id), key=lambda d: d.share_id, reverse=True)
    return [
        {
            **_arrival(deps, d),
            "sentAt": iso(d.sent_at),
            "state": d.state,
            "displayedAt": iso(d.displayed_at) if d.displayed_at else None,
        }
        for d in live
        if d.expires_at is None or d.expires_at > now
    ]


def show_now(deps: Deps, user_id: str, frame: tables.FrameRecord, share_id: str) -> None:
    """Ask a frame to show one of its photos next (it still respects its panel's refresh limit)."""
    if not is_id(share_id, "shr"):
        raise ValidationFailed("shareId is required.", field="shareId")
    delivery = deps.shares.delivery(frame.frame_id, share_id)
    if delivery is None or delivery.state not in LIVE:
        raise NotFound("This photo is not on that frame.")
    if user_id != frame.owner_id and (
        delivery.sender_id != user_id or not may_send_to(deps, frame, user_id)
    ):
        raise NotFound("This photo is not on that frame.")
    deps.frames.show_next(frame.frame_id, share_id, deps.clock())
    deps.frame_channel.publish(frame.frame_id)


def expire(deps: Deps, share_id: str) -> bool:
    """Job: a share's time is up on some of its frames (each delivery has its own end, as the
    frames' owners' defaults may differ). Takes it off those; after the last end, schedules the
    purge of its history."""
    share = deps.shares.get(share_id)
    now = deps.clock()
    if share is None:
        return False
    changed = False
    still_live = False
    for d in deps.shares.deliveries(share):
        if d.expires_at is not None and d.expires_at <= now:
            changed |= leave_frame(deps, d.frame_id, share_id, "expired")
        else:
            still_live |= d.state in LIVE
    if not still_live:
        # Off every frame now (a frame kept "until removed" may have been cleared earlier).
        ended = share.expires_at if share.expires_at is not None else now
        deps.timers.schedule(
            jobs.PURGE_SHARE_HISTORY, ended + HISTORY_KEPT, {"shareId": share_id}, now=now
        )
    return changed


def purge(deps: Deps, share_id: str) -> bool:
    """Job: forget a share's history 14 days after it ended."""
    share = deps.shares.get(share_id)
    if share is None:
        return False
    deliveries = deps.shares.deliveries(share)
    if any(d.state in LIVE for d in deliveries):
        return False
    deps.shares.purge(share, deliveries)
    return True
