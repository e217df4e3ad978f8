"""The photo library: presigned uploads, processing, listing, editing and deletion."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from msgspec import UNSET
from pynamodb.expressions.update import Action

from chalicelib import rendering
from chalicelib.adapters import media_store, tables, timers
from chalicelib.adapters.conditional import update_if
from chalicelib.api.models.images import UpdateImage
from chalicelib.config import settings
from chalicelib.domain import jobs, titles
from chalicelib.domain.errors import Conflict, NotFound, QuotaExceeded, ValidationFailed
from chalicelib.domain.ids import is_id
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import paging
from chalicelib.services.ports import Deps

if TYPE_CHECKING:
    from PIL import Image  # loaded with the rendering engine, on first use

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heif",
    "image/heif": "heif",
}
# 2000 is what a 12 MP JPEG gives at half-scale decoding: the one decode an upload needs
# (load_upload's) serves master, preview and thumbnail, and still has 1.25x the pixels of
# the largest panel (1600x1200).
MASTER_MAX_SIDE = 2000
MAX_TITLE = 120  # as UpdateImage.title's max_length
ABANDONED_AFTER = timedelta(days=1)


def _derived(user_id: str, image_id: str, name: str) -> str:
    return f"{media_store.derived_prefix(user_id, image_id)}{name}"


# --- upload -------------------------------------------------------------------------------


def create_upload(
    deps: Deps,
    user_id: str,
    content_type: object,
    size: object,
    filename: object,
    send_and_forget_hours: object,
) -> dict[str, Any]:
    """Reserve a library slot and hand out a presigned POST for the original."""
    cfg = deps.settings
    if content_type not in CONTENT_TYPES:
        raise ValidationFailed(
            "Only JPEG, PNG, WebP and HEIC photos can be uploaded.", field="contentType"
        )
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValidationFailed("bytes must be the file size in bytes.", field="bytes")
    if size > cfg.max_upload_bytes:
        raise ValidationFailed(
            f"This file is larger than {cfg.max_upload_bytes // (1024 * 1024)} MB.", field="bytes"
        )
    if filename is not None and (not isinstance(filename, str) or len(filename) > 255):
        raise ValidationFailed("filename must be at most 255 characters.", field="filename")
    delete_at = None
    if send_and_forget_hours is not None:
        if (
            not isinstance(send_and_forget_hours, int)
            or isinstance(send_and_forget_hours, bool)
            or not 1 <= send_and_forget_hours <= 24 * 30
        ):
            raise ValidationFailed(
                "sendAndForgetHours must be between 1 and 720.", field="sendAndForgetHours"
            )
        delete_at = deps.clock() + timedelta(hours=send_and_forget_hours)
    if not deps.users.reserve_photo_slot(user_id, cfg.photo_quota):
        raise QuotaExceeded(
            f"Your library is full ({cfg.photo_quota} photos). Delete some photos to upload more."
        )
    now = deps.clock()
    image_id = deps.new_id("img")
    deps.timers.schedule(
        jobs.REMOVE_ABANDONED_UPLOADS,
        now + ABANDONED_AFTER,
        {"userId": user_id, "imageId": image_id},
        now=now,
    )
    if delete_at is not None:
        deps.timers.schedule(
            jobs.FORGET_PHOTOS, delete_at, {"userId": user_id, "imageId": image_id}, now=now
        )
    title = ""
    if isinstance(filename, str):
        title = filename.rsplit(".", 1)[0][:MAX_TITLE]
    deps.images.add(
        tables.ImageRecord(
            user_id,
            image_id,
            state="pending",
            content_type=str(content_type),
            declared_bytes=size,
            filename=filename if isinstance(filename, str) else None,
            title=title,
            created_at=now,
            delete_at=delete_at,
        )
    )
    upload = deps.media.presigned_upload(
        media_store.original_key(user_id, image_id),
        content_type=str(content_type),
        max_bytes=cfg.max_upload_bytes,
        expires_in=cfg.upload_url_seconds,
    )
    return {
        "imageId": image_id,
        "upload": {"url": upload["url"], "fields": upload["fields"]},
        "maxBytes": cfg.max_upload_bytes,
        "expiresAt": iso(now + timedelta(seconds=cfg.upload_url_seconds)),
    }


# --- processing ---------------------------------------------------------------------------


def process_upload(deps: Deps, key: str, size: int | None) -> str:
    """Turn an uploaded original into a library photo. Returns what happened (for the log).

    Idempotent: a redelivered event finds the photo no longer pending and does nothing.
    """
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "originals" or not is_id(parts[2], "img"):
        return "ignored: not an original"
    _, user_id, image_id = parts
    try:
        record = tables.ImageRecord.get(user_id, image_id, consistent_read=True)
    except tables.DoesNotExist:
        media_store.delete(key)  # an upload nobody asked for, or for a photo already deleted
        return "ignored: unknown photo, object deleted"
    if record.state != "pending":
        return f"ignored: already {record.state}"
    cfg = settings()
    data = media_store.read(key, max_bytes=cfg.max_upload_bytes)
    try:
        if len(data) > cfg.max_upload_bytes or (size or 0) > cfg.max_upload_bytes:
            raise rendering.ImageRejected(
                f"This file is larger than {cfg.max_upload_bytes // (1024 * 1024)} MB."
            )
        src = rendering.load_upload(
            data,
            max_bytes=cfg.max_upload_bytes,
            max_pixels=cfg.max_upload_pixels,
            decode_long_side=MASTER_MAX_SIDE,
        )
    except rendering.ImageRejected as rejected:
        _finish(record, state="rejected", reason=rejected.reason)
        media_store.delete(key)
        deps.users.release_photo_slot(user_id)
        return f"rejected: {rejected.reason}"
    digest = hashlib.sha256(data).hexdigest()
    duplicate = _earlier_upload(user_id, digest, image_id)
    focal_x, focal_y = rendering.focal_point(src)
    title = record.title
    if src.captured_at is not None and (not title or titles.is_camera_name(title)):
        title = titles.from_capture_date(src.captured_at)
    media_store.write(
        _derived(user_id, image_id, "thumbnail.jpg"),
        rendering.render_thumbnail(src),
        content_type="image/jpeg",
    )
    media_store.write(
        _derived(user_id, image_id, "preview.jpg"),
        rendering.render_preview(src),
        content_type="image/jpeg",
    )
    media_store.write(
        _derived(user_id, image_id, "master.jpg"),
        rendering.render_preview(src, max_side=MASTER_MAX_SIDE),
        content_type="image/jpeg",
    )
    _finish(
        record,
        state="ready",
        width=src.width,
        height=src.height,
        captured_at=src.captured_at,
        sha256=digest,
        duplicate_of=duplicate,
        focal_x=focal_x,
        focal_y=focal_y,
        title=title,
    )
    return "ready"


def _earlier_upload(user_id: str, digest: str, image_id: str) -> str | None:
    for hit in tables.ImageRecord.by_sha.query(
        user_id, tables.ImageRecord.sha256 == digest, limit=2
    ):
        if hit.image_id != image_id:
            return str(hit.image_id)
    return None


def _finish(record: tables.ImageRecord, *, state: str, **fields: Any) -> None:
    actions: list[Action] = [tables.ImageRecord.state.set(state)]
    for name, value in fields.items():
        attr = getattr(tables.ImageRecord, name)
        actions.append(attr.set(value) if value is not None else attr.remove())
    update_if(record, actions, tables.ImageRecord.state == "pending")


# --- reading and editing ------------------------------------------------------------------


def get(user_id: str, image_id: str) -> tables.ImageRecord:
    if not is_id(image_id, "img"):
        raise NotFound("This photo does not exist.")
    try:
        record = tables.ImageRecord.get(user_id, image_id)
    except tables.DoesNotExist as err:
        raise NotFound("This photo does not exist.") from err
    if record.state == "deleted":
        raise NotFound("This photo does not exist.")
    return record


def describe(record: tables.ImageRecord) -> dict[str, Any]:
    ready = record.state == "ready"
    out: dict[str, Any] = {
        "imageId": record.image_id,
        "state": record.state,
        "title": record.title,
        "createdAt": iso(record.created_at),
        "capturedAt": iso(record.captured_at) if record.captured_at else None,
        "width": record.width,
        "height": record.height,
        "focalPoint": {"x": record.focal_x, "y": record.focal_y},
        "duplicateOf": record.duplicate_of,
        "deleteAt": iso(record.delete_at) if record.delete_at else None,
        "thumbnailUrl": media_store.presigned_get_cached(
            _derived(record.user_id, record.image_id, "thumbnail.jpg")
        )
        if ready
        else None,
        "previewUrl": media_store.presigned_get_cached(
            _derived(record.user_id, record.image_id, "preview.jpg")
        )
        if ready
        else None,
    }
    if record.state == "rejected":
        out["reason"] = record.reason
    return out


def list_page(
    user_id: str, limit: int, cursor: str | None
) -> tuple[list[tables.ImageRecord], str | None]:
    """Newest first (image ids sort by time), one query per page."""
    result = tables.ImageRecord.query(
        user_id,
        scan_index_forward=False,
        limit=limit,
        filter_condition=tables.ImageRecord.state != "deleted",
        last_evaluated_key=paging.decode(cursor, owner_attribute="user_id", owner=user_id),
    )
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def update(user_id: str, image_id: str, command: UpdateImage) -> tables.ImageRecord:
    """Change the title and/or the focal point; a field the client left out stays as it is."""
    record = get(user_id, image_id)
    actions: list[Action] = []
    if command.title is not UNSET:
        actions.append(tables.ImageRecord.title.set(command.title.strip()))
    if command.focal_point is not UNSET:
        actions += [
            tables.ImageRecord.focal_x.set(round(command.focal_point.x, 3)),
            tables.ImageRecord.focal_y.set(round(command.focal_point.y, 3)),
        ]
    if actions:
        record.update(actions=actions)
    return record


def delete(user_id: str, image_id: str) -> bool:
    """Remove the photo from the library; True when shares of it are still on frames.

    Renditions already sent stay until the last share made from the photo ends, so a frame
    that has not downloaded its file yet still can; then ``purge_deleted`` removes them.
    """
    record = get(user_id, image_id)
    now = utcnow()
    still_shown = record.shares_until is not None and record.shares_until > now
    record = _leave_library(record, still_shown)
    media_store.delete(media_store.original_key(user_id, image_id))
    media_store.delete_prefix(media_store.derived_prefix(user_id, image_id))
    if not still_shown:
        media_store.delete_prefix(f"renditions/{user_id}/{image_id}/")
        return False
    if record.shares_until is not None and record.shares_until.year < 9999:
        timers.schedule(
            jobs.PURGE_DELETED_PHOTOS,
            record.shares_until,
            {"userId": user_id, "imageId": image_id},
            now=now,
        )
    return True


def _leave_library(record: tables.ImageRecord, still_shown: bool) -> tables.ImageRecord:
    """Take the photo out of the library and release its quota slot in one transaction.

    The record's change is conditional on the state it was read in, so of two concurrent
    deletes exactly one releases the slot; the other finds the photo gone (NotFound). A state
    that changed under us (processing finished) is read again and the step retried.
    """
    for _ in range(3):
        try:
            with tables.transaction() as tx:
                unchanged = tables.ImageRecord.state == record.state
                if still_shown:
                    tx.update(
                        record,
                        actions=[
                            tables.ImageRecord.state.set("deleted"),
                            tables.ImageRecord.title.set(""),
                        ],
                        condition=unchanged,
                    )
                else:
                    tx.delete(record, condition=unchanged)
                if record.state != "rejected":  # a rejected upload already gave its slot back
                    tx.update(
                        tables.UserRecord(record.user_id),
                        actions=[tables.UserRecord.photo_count.add(-1)],
                        condition=tables.UserRecord.user_id.exists(),
                    )
            return record
        except tables.TransactWriteError:
            fresh = _record(record.user_id, record.image_id)
            if fresh is None or fresh.state == "deleted":  # a concurrent delete won
                raise NotFound("This photo does not exist.") from None
            record = fresh
    raise Conflict("This photo is changing right now. Please try again.")


def _record(user_id: str, image_id: str) -> tables.ImageRecord | None:
    try:
        return tables.ImageRecord.get(user_id, image_id, consistent_read=True)
    except tables.DoesNotExist:
        return None


def remove_abandoned(deps: Deps, user_id: str, image_id: str) -> bool:
    """Job: an upload that was presigned but never arrived (or never processed) after a day."""
    record = deps.images.get(user_id, image_id)
    if (
        record is None
        or record.state != "pending"
        or deps.clock() - record.created_at < ABANDONED_AFTER
    ):
        return False
    deps.media.delete(media_store.original_key(user_id, image_id))
    if not deps.images.remove_pending(record):
        return False  # it arrived meanwhile
    deps.users.release_photo_slot(user_id)
    return True


def forget(user_id: str, image_id: str) -> bool:
    """Job: a "send and forget" photo leaves the library; its shares stay until they expire."""
    record = _record(user_id, image_id)
    if record is None or record.state == "deleted" or record.delete_at is None:
        return False
    if record.delete_at > utcnow():
        return False
    delete(user_id, image_id)
    return True


def purge_deleted(user_id: str, image_id: str) -> bool:
    """Job: a deleted photo's renditions go once the last share made from it has ended."""
    record = _record(user_id, image_id)
    if record is None or record.state != "deleted":
        return False
    if record.shares_until is not None and record.shares_until > utcnow():
        return False
    media_store.delete_prefix(f"renditions/{user_id}/{image_id}/")
    record.delete(condition=tables.ImageRecord.state == "deleted")
    return True


# --- renditions ---------------------------------------------------------------------------


RENDITION_THUMBNAIL_SIDE = 320


def _variant(
    record: tables.ImageRecord,
    panel_id: str,
    orientation: str,
    caption: str | None,
    sender_label: str | None,
) -> tuple[rendering.PanelProfile, tuple[float, float], str]:
    """The panel, the focal point and the cache name of one rendition (inputs checked)."""
    if record.state != "ready":
        raise ValidationFailed("This photo is not ready yet.", field="imageId")
    panel = rendering.PANELS.get(panel_id)
    if panel is None:
        raise ValidationFailed("Unknown panel.", field="panel")
    if orientation not in ("landscape", "portrait"):
        raise ValidationFailed("orientation must be landscape or portrait.", field="orientation")
    focal = (float(record.focal_x), float(record.focal_y))
    variant = rendering.rendition_key(
        panel,
        orientation=orientation,
        focal_point=focal,
        caption=caption,
        sender_label=sender_label,
    )
    return panel, focal, variant


def _band_entry_key(record: tables.ImageRecord, variant: str) -> str:
    # A captioned variant is remembered in a small file beside its pixels (not on the photo's
    # record, which would grow with every caption): the send after a preview reuses it.
    return (
        f"renditions/{record.user_id}/{record.image_id}/"
        f"band-{hashlib.sha256(variant.encode()).hexdigest()[:24]}.json"
    )


def cached_rendition(
    record: tables.ImageRecord,
    panel_id: str,
    orientation: str,
    caption: str | None = None,
    sender_label: str | None = None,
) -> dict[str, Any] | None:
    """The rendition ``rendition`` would return, if it was made already; else None.

    Decodes nothing: a plain rendition is on the photo's record, a captioned one in its small
    JSON file (one S3 read). This is what ``POST /shares`` uses (issue 16).
    """
    _, _, variant = _variant(record, panel_id, orientation, caption, sender_label)
    cached = (record.renditions or {}).get(variant)
    if cached and "thumbnailKey" in cached:
        return dict(cached)
    if caption is None and sender_label is None:
        return None
    known = media_store.read_if_exists(_band_entry_key(record, variant), max_bytes=4096)
    if known is None:
        return None
    entry: dict[str, Any] = json.loads(known)
    return entry


def rendition(
    record: tables.ImageRecord,
    panel_id: str,
    orientation: str,
    caption: str | None = None,
    sender_label: str | None = None,
) -> dict[str, Any]:
    """The panel-ready file for a panel, orientation, the photo's focal point, a caption and a
    sender label ("from Ana"), with its exact preview and a small thumbnail of that preview.

    Renditions without a caption or label are cached on the photo (keyed with the engine's
    version, so a better pipeline redraws them). A captioned one is the plain rendition with
    the caption band composed over it (``rendering.compose_band``): the photo is decoded and
    dithered once per panel and orientation, never again per caption. Everything lives under
    ``renditions/``, so it outlives the photo's deletion while shares need it.
    """
    panel, focal, variant = _variant(record, panel_id, orientation, caption, sender_label)
    known = cached_rendition(record, panel_id, orientation, caption, sender_label)
    if known is not None:
        return known
    if caption is None and sender_label is None:
        return _render_plain(record, panel, orientation, focal, variant)[0]
    plain_entry = cached_rendition(record, panel_id, orientation)
    if plain_entry is None:
        plain = rendering.rendition_key(panel, orientation=orientation, focal_point=focal)
        plain_entry, codes = _render_plain(record, panel, orientation, focal, plain)
    else:
        codes = rendering.codes_of(
            media_store.read(plain_entry["key"], max_bytes=settings().max_upload_bytes)
        )
    out = rendering.encode(
        rendering.compose_band(codes, panel, caption=caption, sender_label=sender_label), panel
    )
    entry = _store(record, panel_id, orientation, out)
    media_store.write(
        _band_entry_key(record, variant),
        json.dumps(entry).encode(),
        content_type="application/json",
    )
    return entry


def _render_plain(
    record: tables.ImageRecord,
    panel: rendering.PanelProfile,
    orientation: str,
    focal: tuple[float, float],
    variant: str,
) -> tuple[dict[str, Any], Image.Image]:
    """Decode the photo's master and dither it for the panel; returns the stored entry and the
    device codes (for a caption band to be composed onto)."""
    master = media_store.read(
        _derived(record.user_id, record.image_id, "master.jpg"),
        max_bytes=settings().max_upload_bytes,
    )
    codes = rendering.render_base(
        rendering.load_upload(master), panel, orientation=orientation, focal_point=focal
    )
    entry = _store(record, panel.id, orientation, rendering.encode(codes, panel))
    _remember_rendition(record, variant, entry)
    return entry, codes


# Workers rendering other panels of the same photo at the same moment: each try loses only to
# one of them, so a handful always suffices; past that the entry is merely not cached.
REMEMBER_ATTEMPTS = 8


def _remember_rendition(record: tables.ImageRecord, variant: str, entry: dict[str, Any]) -> None:
    """Add one entry to the photo's rendition cache without dropping a concurrent worker's.

    The cache is one attribute, so the write is a compare-and-set on the map as it was read
    (two workers rendering different panels would otherwise each write back the map without
    the other's entry, and that rendition would be made again at its next use).
    """
    for _ in range(REMEMBER_ATTEMPTS):
        seen = record.renditions or {}
        if seen.get(variant) == entry:
            return
        unchanged = tables.ImageRecord.renditions == seen
        if not seen:
            unchanged = unchanged | tables.ImageRecord.renditions.does_not_exist()
        if update_if(
            record, [tables.ImageRecord.renditions.set({**seen, variant: entry})], unchanged
        ):
            return
        record.refresh()
    log.warning("rendition not cached: the photo's cache kept changing", extra={"variant": variant})


def _store(
    record: tables.ImageRecord, panel_id: str, orientation: str, out: rendering.PanelRendition
) -> dict[str, Any]:
    """Write a rendition's frame file, preview and thumbnail; returns its cache entry."""
    digest = hashlib.sha256(out.frame_png).hexdigest()
    name = f"{panel_id}-{orientation}-{digest[:16]}"
    prefix = f"renditions/{record.user_id}/{record.image_id}/{name}"
    key = f"{prefix}.png"
    media_store.write(key, out.frame_png, content_type="image/png")
    media_store.write(f"{prefix}-preview.png", out.preview_png, content_type="image/png")
    media_store.write(
        f"{prefix}-thumbnail.jpg",
        rendering.render_thumbnail(
            rendering.load_upload(out.preview_png), max_side=RENDITION_THUMBNAIL_SIDE
        ),
        content_type="image/jpeg",
    )
    return {
        "key": key,
        "previewKey": f"{prefix}-preview.png",
        "thumbnailKey": f"{prefix}-thumbnail.jpg",
        "sha256": digest,
        "bytes": len(out.frame_png),
        "width": out.width,
        "height": out.height,
    }


def rendition_preview(
    user_id: str, image_id: str, panel_id: str, orientation: str
) -> dict[str, Any]:
    entry = rendition(get(user_id, image_id), panel_id, orientation)
    return {
        "panel": panel_id,
        "orientation": orientation,
        "width": entry["width"],
        "height": entry["height"],
        "previewUrl": media_store.presigned_get_cached(entry["previewKey"]),
    }
