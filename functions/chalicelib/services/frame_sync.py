"""Keeps each frame's retained desired state equal to what the tables say it should hold."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

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
    """The frame's deliveries that may still be shown (one query on the frame's partition).

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
            frame_id, filter_condition=tables.DeliveryRecord.state.is_in(*LIVE_STATES)
        )
        if d.file_key is not None
    ]


def _take_next_version(frame_id: str) -> tables.FrameRecord | None:
    """Increment the frame's state version (and forget a failed publish: this one supersedes
    it); the update returns the whole record (ALL_NEW), so publishing needs no second read.
    None when the frame no longer exists."""
    frame = tables.FrameRecord(frame_id)
    actions = [
        tables.FrameRecord.state_version.add(1),
        tables.FrameRecord.publish_failed_at.remove(),
    ]
    if not update_if(frame, actions, tables.FrameRecord.frame_id.exists()):
        return None
    return frame


def publish(frame_id: str, *, now: datetime | None = None, retry_on_reconnect: bool = True) -> int:
    """Publish the frame's whole desired state (retained); returns the version published.

    The tables are the truth and the retained message only mirrors them, so a publish IoT Core
    refuses does not fail what caused it (a pairing, a send, a removal: already written). The
    frame is marked and told when it next reports in (``frame_reports``); 0 is returned.

    A frame that reconnected while the publish was being refused may have run its catch-up
    before the mark was written, and would then wait for its next status (half an hour): so
    when its presence changed meanwhile and it is online, the publish is tried once more.
    """
    moment = now or utcnow()
    frame = _take_next_version(frame_id)
    if frame is None:
        log.info("frame gone, nothing to publish", extra={"frameId": frame_id})
        return 0
    presence_before = frame.presence_at
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
        # update_if read the frame back: a connect applied meanwhile shows in presence_at.
        if retry_on_reconnect and frame.online and frame.presence_at != presence_before:
            return publish(frame_id, retry_on_reconnect=False)
        return 0
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
