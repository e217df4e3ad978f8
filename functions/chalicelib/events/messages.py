"""The messages the non-HTTP entrypoints receive, parsed into types at the edge.

Each Lambda module of this package turns its raw event into one of these before calling a
service, so services never see a queue body or an S3 notification. A body that cannot be parsed
raises ``MalformedMessage``: retrying it can never succeed, so the consumers log and drop it
(a message produced by our own code never is malformed; one that is, is a bug to see in logs).

Producers: S3 (uploads), ``services/data_export.request`` (exports),
``services/maintenance`` (timer sweeps and chunks), ``services/sharing.create`` (renditions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.domain import jobs


class MalformedMessage(ValueError):
    """A queue message that is not what its queue carries."""


def _json_object(body: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError as err:
        raise MalformedMessage("not JSON") from err
    if not isinstance(value, dict):
        raise MalformedMessage("not a JSON object")
    return value


def _text(message: Mapping[str, Any], field: str) -> str:
    value = message.get(field)
    if not isinstance(value, str) or not value:
        raise MalformedMessage(f"{field} must be a non-empty string")
    return value


@dataclass(frozen=True)
class UploadedObject:
    """An original that landed in the media bucket (S3 ObjectCreated, via the uploads queue)."""

    key: str
    size: int | None


def uploaded_objects(body: str) -> Iterator[UploadedObject]:
    """Every ObjectCreated record of one S3 notification; S3's test event yields none."""
    event = _json_object(body)
    records = event.get("Records")
    if records is None:  # s3:TestEvent, sent once when the notification is configured
        return
    if not isinstance(records, list):
        raise MalformedMessage("Records must be a list")
    for record in records:
        if not isinstance(record, dict):
            raise MalformedMessage("a record must be an object")
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        obj = record.get("s3", {}).get("object", {})
        key, size = obj.get("key"), obj.get("size")
        if not isinstance(key, str) or not key:
            raise MalformedMessage("an ObjectCreated record without a key")
        # S3 URL-encodes keys in notifications (spaces as '+').
        yield UploadedObject(unquote_plus(key), size if isinstance(size, int) else None)


@dataclass(frozen=True)
class ExportRequest:
    """Build one data export (``services/data_export.request`` queued it)."""

    user_id: str
    export_id: str

    @classmethod
    def parse(cls, body: str) -> ExportRequest:
        message = _json_object(body)
        return cls(_text(message, "userId"), _text(message, "exportId"))


@dataclass(frozen=True)
class Band:
    """The frames of a ``RenderRequest`` that show one sender label (None: no label)."""

    sender_label: str | None
    frame_ids: tuple[str, ...]


@dataclass(frozen=True)
class RenderRequest:
    """Make a share's photo for one panel and orientation, and give each band's frames their
    file (the plain rendition with the caption and that band's sender label over it).

    One per (share, panel, orientation), so one worker dithers the photo once for all of them;
    the share holds the photo and the caption. ``queued_at`` tells a share not written yet
    (retry) from one that never will be.
    """

    share_id: str
    panel: str
    orientation: str
    bands: tuple[Band, ...]
    queued_at: datetime

    @property
    def frame_ids(self) -> tuple[str, ...]:
        return tuple(f for band in self.bands for f in band.frame_ids)

    def as_message(self) -> dict[str, Any]:
        return {
            "shareId": self.share_id,
            "panel": self.panel,
            "orientation": self.orientation,
            "bands": [
                {"senderLabel": b.sender_label, "frameIds": list(b.frame_ids)} for b in self.bands
            ],
            "queuedAt": self.queued_at.isoformat(),
        }

    @classmethod
    def parse(cls, body: str) -> RenderRequest:
        message = _json_object(body)
        bands = message.get("bands")
        if not isinstance(bands, list) or not bands:
            raise MalformedMessage("bands must be a non-empty list")
        parsed = []
        for band in bands:
            if not isinstance(band, dict):
                raise MalformedMessage("a band must be an object")
            frame_ids = band.get("frameIds")
            if (
                not isinstance(frame_ids, list)
                or not frame_ids
                or not all(isinstance(f, str) and f for f in frame_ids)
            ):
                raise MalformedMessage("frameIds must be a non-empty list of strings")
            label = band.get("senderLabel")
            if label is not None and not isinstance(label, str):
                raise MalformedMessage("senderLabel must be a string or null")
            parsed.append(Band(label, tuple(frame_ids)))
        try:
            queued_at = datetime.fromisoformat(_text(message, "queuedAt"))
        except ValueError as err:
            raise MalformedMessage("queuedAt must be an ISO 8601 time") from err
        if queued_at.tzinfo is None:
            raise MalformedMessage("queuedAt must have a time zone")
        return cls(
            _text(message, "shareId"),
            _text(message, "panel"),
            _text(message, "orientation"),
            tuple(parsed),
            queued_at,
        )


@dataclass(frozen=True)
class SweepShard:
    """Walk one timer shard of ``job`` and hand its due timers over in chunks."""

    job: str
    shard: int


@dataclass(frozen=True)
class WorkChunk:
    """Apply ``job`` to each timer of a chunk (``refs``: each timer's reference)."""

    job: str
    refs: tuple[Mapping[str, Any], ...]


type TimerMessage = SweepShard | WorkChunk


def _job(message: Mapping[str, Any], field: str) -> str:
    job = _text(message, field)
    if job not in jobs.ALL:
        raise MalformedMessage(f"unknown job {job!r}")
    return job


def timer_message(body: str) -> TimerMessage:
    """One message of the timers queue: a sweep of a shard, or a chunk of work."""
    message = _json_object(body)
    if "sweep" in message:
        shard = message.get("shard")
        if not isinstance(shard, int) or isinstance(shard, bool) or shard < 0:
            raise MalformedMessage("shard must be a non-negative integer")
        return SweepShard(_job(message, "sweep"), shard)
    refs = message.get("refs")
    if not isinstance(refs, list) or not all(isinstance(ref, dict) for ref in refs):
        raise MalformedMessage("refs must be a list of objects")
    return WorkChunk(_job(message, "job"), tuple(refs))
