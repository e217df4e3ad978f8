"""Due-time buckets for scheduled work (see ``tables.TimerRecord``), sharded so no key runs hot.

``schedule`` files a piece of work under the day it falls due and one of ``SHARDS`` shards
(picked from a hash of the timer's sort key, so ``cancel`` finds it again): the partition key is
``"<job>#<YYYY-MM-DD>#<shard>"``. The timers written in one moment all fall due around the same
time, so without shards they would all hit one key; with them each key takes 1/``SHARDS`` of a
job's writes (docs/scale.md has the arithmetic for a million frames).

``due`` walks one shard's days that have passed, oldest first, and yields what is due (the
query stops at ``now`` in the sort key, and handed-over timers are deleted, so a sweep reads
only due items). A cursor per job and shard remembers the oldest day that may still hold work
there; each shard is swept on its own (in parallel by the timer workers:
services/maintenance.py).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import tables
from chalicelib.domain.timefmt import iso

FIRST_LOOK_BACK = timedelta(days=2)
# Writes per partition key = the job's timer writes per second / SHARDS (docs/scale.md).
SHARDS = 16


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _sort(due_at: datetime, ref: dict[str, Any]) -> str:
    return f"{iso(due_at)}#" + "|".join(f"{k}={ref[k]}" for k in sorted(ref))


def shard_of(sort: str) -> int:
    return zlib.crc32(sort.encode()) % SHARDS


def _bucket(job: str, day: datetime, shard: int) -> str:
    return f"{job}#{_day(day)}#{shard:02d}"


def schedule(job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None:
    """File work; work already due goes in the current day so the next sweep sees it."""
    sort = _sort(due_at, ref)
    tables.TimerRecord(
        _bucket(job, max(due_at, now), shard_of(sort)), sort, job=job, ref=ref, due_at=due_at
    ).save()


def cancel(job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None:
    sort = _sort(due_at, ref)
    tables.TimerRecord(_bucket(job, max(due_at, now), shard_of(sort)), sort).delete()


def _cursor_key(job: str, shard: int) -> str:
    return f"state#{job}#{shard:02d}"


def _save_cursor(job: str, shard: int, day: datetime, now: datetime) -> None:
    tables.TimerRecord(
        _cursor_key(job, shard), "cursor", job=job, ref={"day": _day(day)}, due_at=now
    ).save()


def due(job: str, shard: int, now: datetime) -> Iterator[tables.TimerRecord]:
    """Every timer of ``job`` in ``shard`` due at ``now``, oldest day first.

    The cursor moves past a day only once that day's bucket is seen empty, so work left by an
    interrupted sweep (timers are deleted only once handed to the queue) is found again.
    """
    try:
        cursor = tables.TimerRecord.get(_cursor_key(job, shard), "cursor").ref["day"]
        day = datetime.strptime(cursor, "%Y-%m-%d").replace(tzinfo=now.tzinfo)
    except tables.TimerRecord.DoesNotExist:
        day = (now - FIRST_LOOK_BACK).replace(hour=0, minute=0, second=0, microsecond=0)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    advancing = True
    while day <= today:
        found = False
        for timer in tables.TimerRecord.query(
            _bucket(job, day, shard), tables.TimerRecord.sort <= f"{iso(now)}#~"
        ):
            found = True
            yield timer
        if found or day == today:
            advancing = False
        elif advancing:
            _save_cursor(job, shard, day + timedelta(days=1), now)
        day += timedelta(days=1)


def done(handed_over: Iterable[tables.TimerRecord]) -> None:
    """Forget timers once their work is safely on the queue (25 deletes per request)."""
    with tables.TimerRecord.batch_write() as batch:
        for timer in handed_over:
            batch.delete(timer)
