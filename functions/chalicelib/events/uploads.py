"""S3 ObjectCreated notifications for originals, delivered through the uploads queue."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

from chalicelib import bootstrap
from chalicelib.services import images

log = logging.getLogger(__name__)


def object_keys(message_body: str) -> Iterator[tuple[str, int | None]]:
    """(key, size) of every ObjectCreated record in one queue message; test events yield none."""
    try:
        event: Any = json.loads(message_body)
    except ValueError:
        log.warning("queue message is not JSON; dropped")
        return
    records = event.get("Records") if isinstance(event, dict) else None
    for record in records or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        obj = record.get("s3", {}).get("object", {})
        if isinstance(obj.get("key"), str):
            # S3 URL-encodes keys in notifications (spaces as '+').
            yield unquote_plus(obj["key"]), obj.get("size")


def handle_message(message_body: str) -> None:
    for key, size in object_keys(message_body):
        outcome = images.process_upload(bootstrap.deps(), key, size)
        log.info("upload processed", extra={"key": key, "outcome": outcome})
