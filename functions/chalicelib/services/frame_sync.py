"""Keeps each frame's retained desired state equal to what the tables say it should hold."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib import frame_protocol
from chalicelib.adapters import frame_channel, media_store, tables
from chalicelib.adapters.conditional import update_if
from chalicelib.config import settings
from chalicelib.domain import desired_state
from chalicelib.domain.frame_settings import FrameSettings
from chalicelib.domain.timefmt import utcnow
from chalicelib.services import releases

log = logging.getLogger(__name__)
LIVE_STATES = ("queued", "delivered", "displayed")


def frame_settings(frame: tables.FrameRecord) -> FrameSettings:
    return FrameSettings(
        name=frame.name,
        panel=frame.panel,
        orientation=frame.orientation,
        interval_seconds=int(frame.interval_seconds),
        order=frame.order,
        quiet_hours=frame.quiet_hours,
        time_zone=frame.time_zone,
        show_status=frame.show_status,
        send_policy=frame.send_policy,
        allowed_senders=tuple(frame.allowed_senders or ()),
        default_duration=frame.default_duration,
    )


def live_items(frame_id: str) -> list[desired_state.Item]:
    """The frame's deliveries that may still be shown (one strongly consistent query on the
    frame's partition: the change that asked for this publish was written a moment ago).

    A delivery whose file is still being made (services/delivery_files.py) is left out: the
    frame gets it in the desired state published once it has its file."""
    return [
        desired_state.Item(
            share_id=d.share_id,
            image_id=d.image_id,
            sent_at=d.sent_at,
            expires_at=d.expires_at,
            sender_name=d.sender_name,
            caption=d.caption,
            file_key=d.file_key,
            sha256=str(d.file_sha256),
            bytes=int(d.file_bytes or 0),
            state=d.state,
        )
        for d in tables.DeliveryRecord.query(
            frame_id,
            filter_condition=tables.DeliveryRecord.state.is_in(*LIVE_STATES),
            consistent_read=True,
        )
        if d.file_key is not None
    ]


# How long (s) a publisher holds a frame (below): far longer than a publish takes (IoT Core
# answers in milliseconds; the SDK's retries take seconds). One that died lets go when it ends.
PUBLISHER_LEASE_SECONDS = 30


def _next_version() -> list[Action]:
    """Take the frame's next state version, and forget a failed publish (this one supersedes
    it) and any word left for the publisher (this round reads the tables after it)."""
    return [
        tables.FrameRecord.state_version.add(1),
        tables.FrameRecord.publish_failed_at.remove(),
        tables.FrameRecord.publish_again.remove(),
    ]


def _lead(frame_id: str, token: str) -> tables.FrameRecord | None:
    """Become the frame's publisher with its next version; or, when another publisher holds it,
    leave word for it to publish once more. The frame (read back whole, ALL_NEW) to publish,
    or None: word left, or the frame is gone."""
    for _ in range(3):  # the lease may end between the two writes
        moment = int(utcnow().timestamp())
        frame = tables.FrameRecord(frame_id)
        lease = [
            tables.FrameRecord.publisher.set(token),
            tables.FrameRecord.publisher_until.set(moment + PUBLISHER_LEASE_SECONDS),
        ]
        free = tables.FrameRecord.publisher_until.does_not_exist() | (
            tables.FrameRecord.publisher_until < moment
        )
        if update_if(
            frame, [*lease, *_next_version()], tables.FrameRecord.frame_id.exists() & free
        ):
            return frame
        held = tables.FrameRecord.frame_id.exists() & (tables.FrameRecord.publisher_until >= moment)
        if update_if(
            tables.FrameRecord(frame_id), [tables.FrameRecord.publish_again.set(True)], held
        ):
            log.info("publish left to the frame's publisher", extra={"frameId": frame_id})
            return None
    log.info("frame gone, nothing to publish", extra={"frameId": frame_id})
    return None


def _next_round(frame_id: str, token: str, *, again: bool) -> tables.FrameRecord | None:
    """After a publish: let go of the frame, unless word was left meanwhile (or ``again``);
    then keep it, take the next version and return the frame to publish once more."""
    if not again and _let_go(frame_id, token, unless_word_left=True):
        return None
    frame = tables.FrameRecord(frame_id)
    lease_end = int(utcnow().timestamp()) + PUBLISHER_LEASE_SECONDS
    renewed = [tables.FrameRecord.publisher_until.set(lease_end), *_next_version()]
    if update_if(frame, renewed, tables.FrameRecord.publisher == token):
        return frame
    return None  # the frame is gone, or the lease ran out and its new holder publishes


def _let_go(frame_id: str, token: str, *, unless_word_left: bool = False) -> bool:
    """Give up the frame (False if it was not ours, or word was left and that counts). After
    a publish that raised, word left stays: the next publisher, or the frame's next report,
    takes it."""
    mine = tables.FrameRecord.publisher == token
    return update_if(
        tables.FrameRecord(frame_id),
        [tables.FrameRecord.publisher.remove(), tables.FrameRecord.publisher_until.remove()],
        mine & tables.FrameRecord.publish_again.does_not_exist() if unless_word_left else mine,
    )


def publish(frame_id: str, *, now: datetime | None = None) -> int:
    """Bring the frame's retained desired state up to date with the tables. Returns the last
    version this call published, or 0 (the frame's publisher will publish it instead; the frame
    is gone; IoT Core refused it).

    **One publisher per frame.** Publishes by concurrent workers (three photos sent within a
    second, each rendered by its own job) could reach the broker out of order and leave an older
    version retained, which a frame that lost its stored state would take for the truth. So a
    publisher holds the frame (a lease on its record) while it publishes; a caller that finds it
    held leaves word and returns, and the holder publishes once more, reading the tables after
    the word was left, before it lets go. A burst of changes to one frame costs a few
    publishes, not one per change.

    **Refused publishes.** The tables are the truth and the retained message only mirrors them,
    so a publish IoT Core refuses does not fail what caused it (a pairing, a send, a removal:
    already written). The frame is marked and told when it next reports in
    (``frame_reports``). A frame that reconnected while its publish was being refused may have
    run that catch-up before the mark was written, and would wait for its next status (half an
    hour): so when its presence changed meanwhile and it is online, it is tried once more.
    """
    token = uuid.uuid4().hex
    frame = _lead(frame_id, token)
    version, retried = 0, False
    try:
        while frame is not None:
            presence_before = frame.presence_at
            published = _publish_state(frame, now or utcnow())
            version = published or version
            again = False
            if published is None and not retried:
                # update_if read the frame back: a connect applied meanwhile shows here.
                again = retried = bool(frame.online) and frame.presence_at != presence_before
            frame = _next_round(frame_id, token, again=again)
    except BaseException:
        _let_go(frame_id, token)
        raise
    return version


def _publish_state(frame: tables.FrameRecord, moment: datetime) -> int | None:
    """Publish the state of ``frame`` (holding its next version). The version published; 0 when
    the schema refused the message; None when IoT Core refused it (the frame is then marked)."""
    frame_id = frame.frame_id
    url_ttl = settings().download_url_seconds
    firmware = releases.desired_firmware(frame)
    published = releases.offer_key(firmware["version"], firmware["install"]) if firmware else None
    if published != frame.published_firmware:
        attr = tables.FrameRecord.published_firmware
        frame.update(actions=[attr.set(published) if published else attr.remove()])
    items = desired_state.active_items(live_items(frame_id), moment, settings().max_items_per_frame)

    def presign(key: str) -> tuple[str, datetime]:
        return media_store.presigned_get(key, expires_in=url_ttl), moment + timedelta(
            seconds=url_ttl
        )

    message = desired_state.build(
        frame_id=frame_id,
        version=int(frame.state_version),
        settings=frame_settings(frame),
        items=items,
        now=moment,
        presign=presign,
        show_next=frame.show_next,
        firmware=firmware,
    )
    try:
        size = _publish_checked(frame_id, message)
    except frame_channel.PublishFailed as err:
        update_if(
            frame,
            [tables.FrameRecord.publish_failed_at.set(moment)],
            tables.FrameRecord.frame_id.exists(),
        )
        log.warning("desired state not published", extra={"frameId": frame_id, "error": str(err)})
        return None
    if size is None:
        return 0
    log.info(
        "desired state published",
        extra={
            "frameId": frame_id,
            "version": message["version"],
            "items": len(items),
            "bytes": size,
        },
    )
    return int(message["version"])


def publish_unpaired(frame_id: str, version: int) -> None:
    _publish_checked(frame_id, desired_state.unpaired(frame_id, version, utcnow()))


def _publish_checked(frame_id: str, message: dict[str, Any]) -> int | None:
    """Publish a desired state the protocol's schema accepts; log and drop any other.

    The frame would refuse it anyway and keep its current state; a message it refuses must
    not replace the retained one it can read. Returns the size published, or None.
    """
    try:
        frame_protocol.check("desired", message)
    except frame_protocol.ProtocolError as exc:
        log.error(
            "desired state breaks the protocol schema; not published",
            extra={"frameId": frame_id, "error": str(exc)},
        )
        return None
    return frame_channel.publish_desired(frame_id, message)
