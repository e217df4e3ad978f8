"""Scheduled maintenance: each job works through the timers that have fallen due.

A run takes timers oldest first, handles each with an idempotent function, deletes the timer
only once it is handled, and stops at its time budget (well below the Lambda timeout). What is
left is found by the next run; two runs at once do the same work twice, harmlessly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters import timers
from chalicelib.adapters.tables import PairingSessionRecord, UserRecord
from chalicelib.domain import jobs
from chalicelib.domain.timefmt import utcnow
from chalicelib.services import (
    account_deletion,
    accounts,
    frame_reports,
    friends,
    images,
    sharing,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    job: str
    examined: int
    changed: int
    seconds: float
    finished: bool


def _remove_unverified(ref: dict[str, Any]) -> bool:
    try:
        user = UserRecord.get(ref["userId"], consistent_read=True)
    except DoesNotExist:
        return False
    if user.verified or utcnow() - user.created_at < accounts.UNVERIFIED_LIFETIME:
        return False
    return account_deletion.run(user.user_id)


def _finish_deletion(ref: dict[str, Any]) -> bool:
    return account_deletion.run(ref["userId"])


def _expire_pairing(ref: dict[str, Any]) -> bool:
    try:
        session = PairingSessionRecord.get(ref["code"])
    except DoesNotExist:
        return False
    if session.expires_at > utcnow() or session.state == "claiming":
        return False
    session.delete()
    return True


JOBS: dict[str, Callable[[dict[str, Any]], bool]] = {
    jobs.EXPIRE_SHARES: lambda ref: sharing.expire(ref["shareId"]),
    jobs.PURGE_SHARE_HISTORY: lambda ref: sharing.purge(ref["shareId"]),
    jobs.REMOVE_ABANDONED_UPLOADS: lambda ref: images.remove_abandoned(
        ref["userId"], ref["imageId"]
    ),
    jobs.FORGET_PHOTOS: lambda ref: images.forget(ref["userId"], ref["imageId"]),
    jobs.PURGE_DELETED_PHOTOS: lambda ref: images.purge_deleted(ref["userId"], ref["imageId"]),
    jobs.REMOVE_UNVERIFIED_ACCOUNTS: _remove_unverified,
    jobs.FINISH_ACCOUNT_DELETIONS: _finish_deletion,
    jobs.EXPIRE_PAIRING_SESSIONS: _expire_pairing,
    jobs.REJECT_STALE_REQUESTS: lambda ref: friends.reject_stale(ref["to"], ref["from"]),
    jobs.MARK_STALE_FRAMES: lambda ref: frame_reports.mark_stale(ref["frameId"]),
    jobs.NOTIFY_OFFLINE_FRAMES: lambda ref: frame_reports.notify_offline(ref["frameId"]),
}


def run(job: str, *, budget_seconds: float = 240.0, batch: int = 500) -> Outcome:
    handler = JOBS[job]
    started = time.monotonic()
    examined = changed = 0
    finished = True
    for timer in timers.due(job, utcnow()):
        if examined >= batch or time.monotonic() - started > budget_seconds:
            finished = False
            break
        examined += 1
        if handler(dict(timer.ref)):
            changed += 1
        timers.done(timer)
    outcome = Outcome(job, examined, changed, round(time.monotonic() - started, 3), finished)
    log.info(
        "job run",
        extra={
            "job": job,
            "examined": examined,
            "changed": changed,
            "seconds": outcome.seconds,
            "finished": finished,
        },
    )
    return outcome
