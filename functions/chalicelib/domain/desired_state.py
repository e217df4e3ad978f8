"""The frame's desired state (docs/protocol.md §3), built from plain data.

Pure: the service layer hands in the deliveries and a function that presigns a file key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.frame_settings import FrameSettings
from chalicelib.domain.timefmt import iso

SCHEMA = 1


@dataclass(frozen=True)
class Item:
    share_id: str
    image_id: str
    sent_at: datetime
    expires_at: datetime | None
    sender_name: str
    caption: str | None
    file_key: str
    sha256: str
    bytes: int
    state: str


def active_items(items: Iterable[Item], now: datetime, limit: int) -> list[Item]:
    """Items a frame should hold now: not removed, not expired, newest first, at most ``limit``."""
    live = [
        i
        for i in items
        if i.state not in ("removed", "expired") and (i.expires_at is None or i.expires_at > now)
    ]
    live.sort(key=lambda i: (i.sent_at, i.share_id), reverse=True)
    return live[:limit]


def build(
    *,
    frame_id: str,
    version: int,
    settings: FrameSettings,
    items: list[Item],
    now: datetime,
    presign: Callable[[str], tuple[str, datetime]],
    show_next: dict[str, str] | None = None,
    firmware: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out_items = []
    for item in items:
        url, url_expires = presign(item.file_key)
        out_items.append(
            {
                "shareId": item.share_id,
                "imageId": item.image_id,
                "sentAt": iso(item.sent_at),
                "expiresAt": iso(item.expires_at) if item.expires_at else None,
                "senderName": item.sender_name,
                "caption": item.caption,
                "file": {
                    "url": url,
                    "urlExpiresAt": iso(url_expires),
                    "sha256": item.sha256,
                    "bytes": item.bytes,
                    "contentType": "image/png",
                },
            }
        )
    return {
        "schema": SCHEMA,
        "frameId": frame_id,
        "version": version,
        "issuedAt": iso(now),
        "paired": True,
        "settings": settings.as_message(),
        "items": out_items,
        "showNext": show_next
        if show_next and any(i.share_id == show_next.get("shareId") for i in items)
        else None,
        "firmware": firmware,
    }


def unpaired(frame_id: str, version: int, now: datetime) -> dict[str, Any]:
    """The last message a frame gets: wipe everything and return to pairing mode."""
    return {
        "schema": SCHEMA,
        "frameId": frame_id,
        "version": version,
        "issuedAt": iso(now),
        "paired": False,
        "settings": None,
        "items": [],
        "showNext": None,
        "firmware": None,
    }
