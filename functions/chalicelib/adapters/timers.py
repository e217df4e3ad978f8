"""Due-time buckets for scheduled work (see ``TimerRecord``).

``schedule`` files a piece of work under the hour it falls due; ``due`` walks the hours that
have passed, oldest first, and yields what is due. A cursor per job remembers the oldest hour
that may still hold work, so a run reads only buckets that can contain due items.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.tables import TimerRecord
from chalicelib.domain.timefmt import iso

FIRST_LOOK_BACK = timedelta(days=2)


def _hour(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")


def _sort(due_at: datetime, ref: dict[str, Any]) -> str:
    return f"{iso(due_at)}#" + "|".join(f"{k}={ref[k]}" for k in sorted(ref))


def schedule(job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None:
    """File work; work already due goes in the current hour so the next run sees it."""
    bucket_time = max(due_at, now)
    TimerRecord(
        f"{job}#{_hour(bucket_time)}", _sort(due_at, ref), job=job, ref=ref, due_at=due_at
    ).save()


def cancel(job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None:
    bucket_time = max(due_at, now)
    TimerRecord(f"{job}#{_hour(bucket_time)}", _sort(due_at, ref)).delete()


def _save_cursor(job: str, hour: datetime, now: datetime) -> None:
    TimerRecord(f"state#{job}", "cursor", job=job, ref={"hour": _hour(hour)}, due_at=now).save()


def due(job: str, now: datetime) -> Iterator[TimerRecord]:
    """Every timer of ``job`` due at ``now``, oldest hour first.

    The cursor moves past an hour only once that hour's bucket is seen empty, so work left by
    an interrupted run (its timers are deleted only when done) is found by the next one.
    """
    try:
        cursor = TimerRecord.get(f"state#{job}", "cursor").ref["hour"]
        hour = datetime.strptime(cursor, "%Y-%m-%dT%H").replace(tzinfo=now.tzinfo)
    except TimerRecord.DoesNotExist:
        hour = (now - FIRST_LOOK_BACK).replace(minute=0, second=0, microsecond=0)
    current = now.replace(minute=0, second=0, microsecond=0)
    advancing = True
    while hour <= current:
        found = False
        for timer in TimerRecord.query(f"{job}#{_hour(hour)}", TimerRecord.sort <= f"{iso(now)}#~"):
            found = True
            yield timer
        if found or hour == current:
            advancing = False
        elif advancing:
            _save_cursor(job, hour + timedelta(hours=1), now)
        hour += timedelta(hours=1)


def done(timer: TimerRecord) -> None:
    timer.delete()
