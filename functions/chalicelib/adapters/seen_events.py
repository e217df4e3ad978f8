"""Which frame events the backend has acted on: ``eventId`` de-duplication (protocol.md §5).

QoS 1 may deliver an event twice and a frame re-sends what it could not send while offline, so
an event whose effect is not idempotent by itself (a republish, a firmware report) is acted on
only the first time its id is seen. The ids live in the table of short-lived keys (``key`` +
``ttl``, shared with the rate limits under their own ``event#`` prefix): one conditional write
per event and no read. DynamoDB's TTL deletes lazily (up to 48 h late; never in moto), so
an entry whose ``ttl`` has passed counts as unseen whether or not it is still there.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta

from chalicelib.adapters import tables
from chalicelib.adapters.conditional import update_if

REMEMBERED_FOR = timedelta(days=2)


def first_sighting(frame_id: str, event_id: str, *, now: datetime) -> bool:
    """Remember ``event_id`` of ``frame_id``; False when it was already remembered."""
    stamp = int(now.timestamp())
    seen = tables.RateLimitRecord
    return update_if(
        seen(_key(frame_id, event_id)),
        [seen.ttl.set(stamp + int(REMEMBERED_FOR.total_seconds()))],
        seen.ttl.does_not_exist() | (seen.ttl <= stamp),
    )


def forget(frame_id: str, event_id: str) -> None:
    """Undo :func:`first_sighting` when acting on the event failed: a retry is no duplicate."""
    # If the delete fails, a retry is taken for a duplicate; the failure is logged.
    with suppress(tables.DeleteError):
        tables.RateLimitRecord(_key(frame_id, event_id)).delete()


def _key(frame_id: str, event_id: str) -> str:
    return f"event#{frame_id}#{event_id}"
