"""Data export: a zip of the user's originals plus a JSON of everything we keep about them.

Built off the request path (a queue message), written to ``exports/<user>/`` (the bucket's
lifecycle rule removes it after two days) and sent as a link valid for 24 hours.
"""

from __future__ import annotations

import json
import logging
import zipfile
from typing import Any

from chalicelib import bootstrap
from chalicelib.adapters import media_store, queues, rate_limiter, tables
from chalicelib.config import settings
from chalicelib.domain.ids import new_id
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import accounts, emails, frames, friends, images

log = logging.getLogger(__name__)
LINK_SECONDS = 24 * 3600


def request(user_id: str) -> str:
    rate_limiter.hit(
        "export",
        user_id,
        limit=2,
        window_seconds=3600,
        message="An export is already on its way. Please try again in an hour.",
    )
    export_id = new_id("exp")
    queues.send(settings().exports_queue, {"userId": user_id, "exportId": export_id})
    return export_id


def _document(user: tables.UserRecord) -> dict[str, Any]:
    uid = user.user_id
    return {
        "exportedAt": iso(utcnow()),
        "profile": accounts.profile(user),
        "photos": [images.describe(i) | {"urls": None} for i in tables.ImageRecord.query(uid)],
        "frames": [frames.describe(f) for f in tables.FrameRecord.by_owner.query(uid)],
        "friends": friends.listing(bootstrap.deps(), uid, "friends"),
        "friendRequests": {
            "incoming": friends.listing(bootstrap.deps(), uid, "incoming"),
            "outgoing": friends.listing(bootstrap.deps(), uid, "outgoing"),
        },
        "blocked": friends.listing(bootstrap.deps(), uid, "blocked"),
        "sharesSent": [
            {
                "shareId": s.share_id,
                "imageId": s.image_id,
                "frameIds": s.frame_ids,
                "caption": s.caption,
                "createdAt": s.created_at,
                "expiresAt": iso(s.expires_at) if s.expires_at else None,
            }
            for s in tables.ShareRecord.by_sender.query(uid)
        ],
        "photosReceived": [
            {
                "shareId": d.share_id,
                "frameId": d.frame_id,
                "senderName": d.sender_name,
                "state": d.state,
                "sentAt": iso(d.sent_at),
            }
            for d in tables.DeliveryRecord.by_owner.query(uid)
        ],
    }


def build(user_id: str, export_id: str) -> bool:
    try:
        user = tables.UserRecord.get(user_id)
    except tables.UserRecord.DoesNotExist:
        return False
    document = _document(user)
    for photo in document["photos"]:
        photo.pop("thumbnailUrl", None)
        photo.pop("previewUrl", None)
        photo.pop("urls", None)
    key = f"exports/{user_id}/{export_id}.zip"
    # Streamed: each original is copied a chunk at a time into a multipart upload of the zip
    # (photos are compressed already: stored, not deflated). Memory holds one part, the disk
    # nothing, so the export's size has no limit from the function's /tmp or memory.
    with (
        media_store.MultipartWriter(key, content_type="application/zip") as out,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive,
    ):
        archive.writestr("shareframe.json", json.dumps(document, indent=2))
        for photo in tables.ImageRecord.query(user_id):
            if photo.state != "ready":
                continue
            extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
                photo.content_type, "heic"
            )
            name = f"photos/{photo.image_id}.{extension}"
            with archive.open(name, "w", force_zip64=True) as entry:
                for chunk in media_store.read_chunks(
                    media_store.original_key(user_id, photo.image_id)
                ):
                    entry.write(chunk)
    url = media_store.presigned_get(key, expires_in=LINK_SECONDS)
    emails.export_ready(user.email, user.display_name, url)
    log.info("export ready", extra={"userId": user_id, "exportId": export_id})
    return True
