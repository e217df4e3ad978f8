"""What frames report over MQTT (routed by IoT topic rules): status and events.

The frame id always comes from the topic (``topic(3)`` in the rule), which the broker has
authenticated against the frame's certificate; nothing in a payload can speak for another frame.
Messages arrive parsed and checked against the protocol's schema (events/frame_messages.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.adapters import seen_events, tables, timers
from chalicelib.adapters.conditional import update_if
from chalicelib.domain import jobs, sharing
from chalicelib.domain.errors import Conflict
from chalicelib.domain.timefmt import iso, parse_iso, utcnow
from chalicelib.events.frame_messages import FrameEvent, FramePresence, FrameStatus
from chalicelib.services import activity, frame_sync, notifications, releases
from chalicelib.services.ports import Deps

log = logging.getLogger(__name__)
OFFLINE_NOTICE_AFTER = timedelta(hours=24)
# At most this many resync-driven publishes per frame and minute. One beyond it is coalesced
# into the publish that just happened (not queued): its URLs are fresh, the state is retained.
RESYNC_BUDGET = 3
RESYNC_WINDOW_SECONDS = 60
# A status that repeats the stored one is written again only this long after the last write:
# a burst of identical status messages costs reads, not writes.
STATUS_REWRITE_AFTER = timedelta(minutes=5)


def _when(value: str) -> datetime:
    """The frame's clock (the schema has checked the form), unless it is absurd; then ours."""
    now = utcnow()
    try:
        at = parse_iso(value)
    except ValueError:
        return now
    return at if abs((at - now).total_seconds()) < 24 * 3600 else now


def handle_event(event: FrameEvent) -> str:
    """Act on one event a frame published, at most once per ``eventId`` where that matters.

    Receipts need no memory (a delivery only moves forward, so a repeated one costs a read).
    Every other event's id is remembered (one conditional write) before acting on it, and
    forgotten again if acting fails, so the rule's retry is not taken for a duplicate.
    """
    if event.type in ("delivered", "displayed"):
        assert event.share_id is not None  # the schema requires it
        return _advance(event.frame_id, event.share_id, event.type, _when(event.at))
    if event.type in ("resync", "firmware_check"):
        return _resync(event)
    return _once(event, _act)


def _once(event: FrameEvent, act: Callable[[FrameEvent], str]) -> str:
    if not seen_events.first_sighting(event.frame_id, event.event_id, now=utcnow()):
        log.info(
            "duplicate frame event ignored",
            extra={"frameId": event.frame_id, "eventId": event.event_id, "type": event.type},
        )
        return "ignored: duplicate"
    try:
        return act(event)
    except Exception:
        seen_events.forget(event.frame_id, event.event_id)
        raise


def _act(event: FrameEvent) -> str:
    frame_id = event.frame_id
    if event.type == "firmware":
        return releases.record_progress(
            frame_id,
            {
                "eventId": event.event_id,
                "version": event.version,
                "state": event.state,
                "reason": event.reason,
            },
        )
    if event.type == "update_requested":  # the owner pressed "update" on the frame's dashboard
        frame = tables.FrameRecord.get(frame_id)
        with suppress(Conflict):
            releases.request_update(frame)
            frame_sync.publish(frame_id)
        return "update requested"
    log.warning(  # "error": the schema knows no other type
        "frame reported an error",
        extra={"frameId": frame_id, "shareId": event.share_id, "reason": event.reason},
    )
    return "logged"


def _resync(event: FrameEvent) -> str:
    """Republish the frame's desired state, at most RESYNC_BUDGET times a minute, once per id.

    The budget check is a read; only a resync that is let through writes (its id, then a
    conditional update of the count), so a frame sending a hundred resyncs a second costs at
    most 2 x RESYNC_BUDGET writes and RESYNC_BUDGET publishes a minute.
    """
    try:
        frame = tables.FrameRecord.get(event.frame_id)
    except tables.FrameRecord.DoesNotExist:
        return "ignored: unknown frame"
    window = int(utcnow().timestamp()) // RESYNC_WINDOW_SECONDS
    if frame.resync_window == window and (frame.resync_count or 0) >= RESYNC_BUDGET:
        return "coalesced"

    def republish(_: FrameEvent) -> str:
        if not _take_resync(frame, window):
            return "coalesced"
        frame_sync.publish(frame.frame_id)
        return "republished"

    return _once(event, republish)


def _take_resync(frame: tables.FrameRecord, window: int) -> bool:
    """Count one resync in the frame's window: the same window's count, or a new window."""
    attempts: tuple[tuple[list[Action], Condition], ...] = (
        (
            [tables.FrameRecord.resync_count.add(1)],
            (tables.FrameRecord.resync_window == window)
            & (tables.FrameRecord.resync_count < RESYNC_BUDGET),
        ),
        (
            [tables.FrameRecord.resync_window.set(window), tables.FrameRecord.resync_count.set(1)],
            tables.FrameRecord.frame_id.exists()
            & (
                tables.FrameRecord.resync_window.does_not_exist()
                | (tables.FrameRecord.resync_window < window)
            ),
        ),
    )
    return any(update_if(frame, actions, condition) for actions, condition in attempts)


def _advance(frame_id: str, share_id: str, state: str, at: datetime) -> str:
    allowed = [s for s in ("queued", "delivered", "displayed") if sharing.advances(s, state)]
    try:  # a repeated or stale receipt costs a read, not a (failed conditional) write
        if tables.DeliveryRecord.get(frame_id, share_id).state not in allowed:
            return "ignored: not a forward step"
    except tables.DeliveryRecord.DoesNotExist:
        return "ignored: not a forward step"
    actions: list[Action] = [tables.DeliveryRecord.state.set(state)]
    if state == "delivered":
        actions.append(tables.DeliveryRecord.delivered_at.set(at))
    else:
        actions += [
            tables.DeliveryRecord.displayed_at.set(at),
            tables.DeliveryRecord.delivered_at.set(tables.DeliveryRecord.delivered_at | at),
        ]
    if not update_if(
        tables.DeliveryRecord(frame_id, share_id),
        actions,
        tables.DeliveryRecord.frame_id.exists() & tables.DeliveryRecord.state.is_in(*allowed),
    ):
        return "ignored: not a forward step"
    log.info("delivery advanced", extra={"frameId": frame_id, "shareId": share_id, "state": state})
    if state == "displayed":
        _displayed(frame_id, share_id, at)
    return state


def _displayed(frame_id: str, share_id: str, at: datetime) -> None:
    """The first time a photo is on a wall: count it, tell the sender's feed, maybe mail."""
    delivery = tables.DeliveryRecord.get(frame_id, share_id)
    activity.count(delivery.sender_id, "displayed", at)
    try:
        frame_name = tables.FrameRecord.get(frame_id).name
    except tables.FrameRecord.DoesNotExist:
        return
    activity.record(
        delivery.sender_id,
        "photo_displayed",
        at,
        shareId=share_id,
        frameName=frame_name,
        thumbnailKey=delivery.thumbnail_key,
    )
    if delivery.sender_id != delivery.frame_owner_id:
        notifications.photo_displayed(tables.UserRecord.get(delivery.sender_id), frame_name)


def handle_status(status: FrameStatus) -> str:
    """A frame's status (sent on connect and every half hour): one small write, no timer.

    Whether the frame is online comes from IoT Core's lifecycle events (``handle_presence``),
    not from here: the retained status and the last will say nothing the broker does not.
    """
    frame_id = status.frame_id
    if not status.online:
        return "ignored: presence comes from lifecycle events"
    reported: dict[str, Any] = {  # FrameRecord attribute -> value, for what the frame said
        name: value
        for name, value in (
            ("firmware", status.firmware),
            ("showing", status.showing),
            ("next_wake_at", status.next_wake_at),
            ("free_bytes", status.free_bytes),
            ("battery", status.battery),
        )
        if value is not None
    }
    unchanged = _stored_if_repeated(frame_id, reported)
    if unchanged is not None:  # nothing to write; what it missed still reaches it
        _catch_up(unchanged)
        return "ignored: unchanged"
    actions: list[Action] = [tables.FrameRecord.last_seen_at.set(utcnow())]
    actions += [getattr(tables.FrameRecord, name).set(value) for name, value in reported.items()]
    frame = tables.FrameRecord(frame_id)
    # The update returns the whole record (ALL_NEW): no second read below.
    if not update_if(frame, actions, tables.FrameRecord.frame_id.exists()):
        return "ignored: unknown frame"
    _catch_up(frame)
    return "seen"


def _stored_if_repeated(frame_id: str, reported: dict[str, Any]) -> tables.FrameRecord | None:
    """The stored frame when the status says nothing new and was written recently, else None."""
    try:
        stored = tables.FrameRecord.get(frame_id)
    except tables.FrameRecord.DoesNotExist:
        return None
    if stored.last_seen_at is None or utcnow() - stored.last_seen_at >= STATUS_REWRITE_AFTER:
        return None
    if any(getattr(stored, name) != value for name, value in reported.items()):
        return None
    return stored


def handle_presence(presence: FramePresence) -> str:
    """IoT Core's lifecycle event for a client: the frame is online or offline, at once.

    IoT Core does not promise order: an event older than the last one applied is dropped
    (``timestamp`` is in milliseconds). A disconnect files one timer, for the "frame offline"
    mail after its grace period; the mail job ignores it if the frame is back by then.
    """
    frame_id, stamp = presence.frame_id, presence.timestamp_ms
    online = presence.connected
    now = utcnow()
    actions: list[Action] = [
        tables.FrameRecord.online.set(online),
        tables.FrameRecord.presence_at.set(stamp),
    ]
    if online:
        actions.append(tables.FrameRecord.last_seen_at.set(now))
    frame = tables.FrameRecord(frame_id)
    if not update_if(
        frame,
        actions,
        tables.FrameRecord.frame_id.exists()
        & (
            tables.FrameRecord.presence_at.does_not_exist()
            | (tables.FrameRecord.presence_at < stamp)
        ),
    ):
        return "ignored: unknown frame or late event"
    if online:
        _catch_up(frame)
        return "online"
    if not presence.client_initiated:  # not a frame going to sleep
        activity.record(
            frame.owner_id, "frame_offline", now, frameId=frame.frame_id, frameName=frame.name
        )
    timers.schedule(
        jobs.NOTIFY_OFFLINE_FRAMES, now + OFFLINE_NOTICE_AFTER, {"frameId": frame_id}, now=now
    )
    return "offline"


def needs_offline_notice(frame: tables.FrameRecord, now: datetime) -> bool:
    """Offline for longer than the grace period (a notice may be due, unless sent already)."""
    last = frame.last_seen_at or frame.created_at
    return not frame.online and now - last >= OFFLINE_NOTICE_AFTER


def notify_offline(deps: Deps, frame_id: str) -> bool:
    """Job: tell owners who asked when their frame has been offline for more than a day.

    The timer job reads the chunk's frames ahead consistently (services/maintenance.py): a
    frame back online a moment ago is seen online.
    """
    frame = deps.frames.get(frame_id)
    if frame is None or not needs_offline_notice(frame, utcnow()):
        return False
    last = frame.last_seen_at or frame.created_at
    if not update_if(  # one notice per silence, however many timers point at it
        frame,
        [tables.FrameRecord.offline_notice_for.set(iso(last))],
        tables.FrameRecord.offline_notice_for.does_not_exist()
        | (tables.FrameRecord.offline_notice_for != iso(last)),
    ):
        return False
    owner = deps.users.get(frame.owner_id)
    if owner is not None:  # an account being deleted takes its frames with it
        notifications.frame_offline(owner, frame.name)
    return True


def _catch_up(frame: tables.FrameRecord) -> None:
    """A frame that reports in or (re)connects learns what it missed: a desired state IoT Core
    refused, or one its publisher did not live to publish (``frame_sync.publish``), or a
    release published while it was away."""
    missed_state = frame.publish_failed_at is not None or bool(frame.publish_again)
    if missed_state or releases.firmware_offer(frame) != frame.published_firmware:
        frame_sync.publish(frame.frame_id)
