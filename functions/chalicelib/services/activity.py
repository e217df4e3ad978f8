"""Per-user activity kept on write: day counters for the chart and a recent-activity feed.

The dashboard reads one small query of each, whatever the size of the library or history.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import media_store, tables
from chalicelib.adapters.conditional import save_if
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.timefmt import iso
from chalicelib.services import paging

FEED_DAYS = 30
COUNTERS = ("sent", "received", "displayed")


def count(user_id: str, counter: str, now: datetime, amount: int = 1) -> None:
    attr = getattr(tables.ActivityRecord, counter)
    tables.ActivityRecord(user_id, f"day#{now:%Y-%m-%d}").update(
        actions=[
            attr.add(amount),
            tables.ActivityRecord.ttl.set(int((now + timedelta(days=FEED_DAYS + 2)).timestamp())),
        ]
    )


def record(user_id: str, kind: str, now: datetime, **detail: Any) -> None:
    tables.ActivityRecord(
        user_id,
        f"feed#{iso(now)}#{secrets.token_hex(4)}",
        kind=kind,
        detail=detail,
        ttl=int((now + timedelta(days=FEED_DAYS)).timestamp()),
    ).save()


def days(user_id: str, now: datetime, span: int = 30) -> list[dict[str, Any]]:
    first = (now - timedelta(days=span - 1)).strftime("%Y-%m-%d")
    found = {
        r.sk.removeprefix("day#"): r
        for r in tables.ActivityRecord.query(
            user_id, tables.ActivityRecord.sk.between(f"day#{first}", f"day#{now:%Y-%m-%d}")
        )
    }
    out = []
    for offset in range(span - 1, -1, -1):
        day = (now - timedelta(days=offset)).strftime("%Y-%m-%d")
        r = found.get(day)
        out.append({"date": day, **{c: int(getattr(r, c) or 0) if r else 0 for c in COUNTERS}})
    return out


def _shown(kind: str, sk: str, detail: dict[str, Any]) -> dict[str, Any]:
    """A feed entry as the web app gets it: a photo's thumbnail key becomes a signed URL."""
    out = {"type": kind, "at": sk.split("#")[1], **detail}
    key = out.pop("thumbnailKey", None)
    if key:
        out["thumbnailUrl"] = media_store.presigned_get_cached(key)
    return out


def recent(user_id: str, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    oldest = iso(now - timedelta(days=FEED_DAYS))
    return [
        _shown(r.kind, r.sk, dict(r.detail or {}))
        for r in tables.ActivityRecord.query(
            user_id,
            tables.ActivityRecord.sk.between(f"feed#{oldest}", "feed#~"),
            scan_index_forward=False,
            limit=limit,
        )
    ]


def forget_mentions(user_id: str, other_id: str, now: datetime) -> int:
    """Delete the entries of ``user_id``'s feed that name ``other_id`` (a deleted account)."""
    oldest = iso(now - timedelta(days=FEED_DAYS))
    gone = 0
    for item in tables.ActivityRecord.query(
        user_id, tables.ActivityRecord.sk.between(f"feed#{oldest}", "feed#~")
    ):
        if (item.detail or {}).get("userId") == other_id:
            item.delete()
            gone += 1
    return gone


# --- notifications: the same feed, paged, with what the user has already seen ------------------

UNSEEN_SHOWN = 99  # the badge says "99+" beyond this: counting further would cost reads, not help
_SEEN = "seen"
_ENTRY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z#[0-9a-f]{8}$")


def _seen_at(user_id: str) -> str:
    """The newest feed entry the user has seen ("" when none)."""
    try:
        return tables.ActivityRecord.get(user_id, _SEEN).seen_at or ""
    except tables.DoesNotExist:
        return ""


def notifications(user_id: str, now: datetime, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the feed, newest first, each entry saying whether it is new to the user."""
    oldest = iso(now - timedelta(days=FEED_DAYS))
    seen = _seen_at(user_id)
    page = tables.ActivityRecord.query(
        user_id,
        tables.ActivityRecord.sk.between(f"feed#{oldest}", "feed#~"),
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=paging.decode(cursor, owner_attribute="user_id", owner=user_id),
    )
    items = [
        {
            "id": r.sk.removeprefix("feed#"),
            "new": r.sk.removeprefix("feed#") > seen,
            **_shown(r.kind, r.sk, dict(r.detail or {})),
        }
        for r in page
    ]
    return {"items": items, "nextCursor": paging.encode(page.last_evaluated_key)}


def unseen(user_id: str, now: datetime) -> int:
    """How many feed entries are newer than the last one seen, up to ``UNSEEN_SHOWN + 1``: one
    small Query on the user's partition (a key condition, no filter)."""
    oldest = f"feed#{iso(now - timedelta(days=FEED_DAYS))}"
    seen = _seen_at(user_id)
    after = max(oldest, f"feed#{seen}~" if seen else oldest)
    return sum(
        1
        for _ in tables.ActivityRecord.query(
            user_id,
            tables.ActivityRecord.sk.between(after, "feed#~"),
            limit=UNSEEN_SHOWN + 1,
            attributes_to_get=["sk"],
        )
    )


def mark_seen(user_id: str, up_to: str) -> None:
    """Everything up to the entry ``up_to`` (an id from ``notifications``) has been seen. Never
    moves back: a stale tab cannot mark newer entries unseen again."""
    if not _ENTRY.match(up_to):
        raise ValidationFailed("upTo must be the id of a notification.", field="upTo")
    save_if(
        tables.ActivityRecord(user_id, _SEEN, seen_at=up_to),
        tables.ActivityRecord.seen_at.does_not_exist() | (tables.ActivityRecord.seen_at < up_to),
    )
