"""Scheduled maintenance that scales out: sweeps find due timers, workers do the work.

* A schedule per job (``start_sweep``) puts one sweep message per timer shard on the timers
  queue.
* A sweep (``sweep_shard``) walks one shard's due timers, oldest first, and hands them to the
  same queue in chunks (``CHUNK`` timers per message, ten messages per request); a timer is
  deleted only once its chunk is on the queue. A sweep that reaches its time budget puts a
  message to continue itself on the queue and stops: nothing is left behind, no run has a cap.
* Workers (``handle``, queue-triggered with bounded concurrency) apply each timer's handler.
  Every handler is idempotent and checks the item's current state, so a message delivered twice,
  a sweep that crashed between enqueueing and deleting, or two sweeps at once do no harm.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import bootstrap
from chalicelib.adapters import queues, timers
from chalicelib.adapters.tables import PairingSessionRecord, TimerRecord, UserRecord
from chalicelib.config import settings
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
    jobs.EXPIRE_SHARES: lambda ref: sharing.expire(bootstrap.deps(), ref["shareId"]),
    jobs.PURGE_SHARE_HISTORY: lambda ref: sharing.purge(bootstrap.deps(), ref["shareId"]),
    jobs.REMOVE_ABANDONED_UPLOADS: lambda ref: images.remove_abandoned(
        bootstrap.deps(), ref["userId"], ref["imageId"]
    ),
    jobs.FORGET_PHOTOS: lambda ref: images.forget(ref["userId"], ref["imageId"]),
    jobs.PURGE_DELETED_PHOTOS: lambda ref: images.purge_deleted(ref["userId"], ref["imageId"]),
    jobs.REMOVE_UNVERIFIED_ACCOUNTS: _remove_unverified,
    jobs.FINISH_ACCOUNT_DELETIONS: _finish_deletion,
    jobs.EXPIRE_PAIRING_SESSIONS: _expire_pairing,
    jobs.REJECT_STALE_REQUESTS: lambda ref: friends.reject_stale(
        bootstrap.deps(), ref["to"], ref["from"]
    ),
    jobs.NOTIFY_OFFLINE_FRAMES: lambda ref: frame_reports.notify_offline(ref["frameId"]),
}


# Timers per work message: a message stays far below SQS's 256 KB, a worker's invocation short.
CHUNK = 25
# Timers a sweep hands over at once: ten messages (one SendMessageBatch), then their deletes.
HANDOVER = CHUNK * queues.BATCH
SWEEP_BUDGET_SECONDS = 240.0  # below the worker's 300 s timeout


class WorkFailed(RuntimeError):
    """Some timers of a chunk failed: the message is retried (the others again, harmlessly)."""


@dataclass(frozen=True)
class SweepOutcome:
    job: str
    shard: int
    handed_over: int
    seconds: float
    finished: bool


@dataclass(frozen=True)
class WorkOutcome:
    job: str
    examined: int
    changed: int
    seconds: float


def start_sweep(job: str) -> None:
    """The job's schedule: sweep every shard, each as its own message (in parallel)."""
    if job not in JOBS:
        raise KeyError(job)
    queues.send_batch(
        settings().timers_queue, [{"sweep": job, "shard": s} for s in range(timers.SHARDS)]
    )


def _hand_over(job: str, batch: list[TimerRecord]) -> None:
    chunks = [batch[i : i + CHUNK] for i in range(0, len(batch), CHUNK)]
    queues.send_batch(
        settings().timers_queue, [{"job": job, "refs": [dict(t.ref) for t in c]} for c in chunks]
    )
    timers.done(batch)


def sweep_shard(job: str, shard: int, *, budget_seconds: float | None = None) -> SweepOutcome:
    """Hand one shard's due timers to the workers; past the budget, continue in a new message."""
    if job not in JOBS:
        raise KeyError(job)
    budget = SWEEP_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    handed_over = 0
    finished = True
    batch: list[TimerRecord] = []
    for timer in timers.due(job, shard, utcnow()):
        batch.append(timer)
        if len(batch) == HANDOVER:
            _hand_over(job, batch)
            handed_over += len(batch)
            batch = []
            if time.monotonic() - started > budget:
                finished = False
                break
    if batch:
        _hand_over(job, batch)
        handed_over += len(batch)
    if not finished:
        queues.send(settings().timers_queue, {"sweep": job, "shard": shard})
    outcome = SweepOutcome(job, shard, handed_over, round(time.monotonic() - started, 3), finished)
    log.info(
        "sweep",
        extra={
            "job": job,
            "shard": shard,
            "handedOver": handed_over,
            "seconds": outcome.seconds,
            "finished": finished,
        },
    )
    return outcome


def work(job: str, refs: list[dict[str, Any]]) -> WorkOutcome:
    """Apply ``job`` to each timer of a chunk; failures make the whole message retry."""
    handler = JOBS[job]
    started = time.monotonic()
    changed = 0
    failures: list[str] = []
    for ref in refs:
        try:
            if handler(dict(ref)):
                changed += 1
        except Exception as error:  # the others still get done; the retry repeats them safely
            log.exception("timer failed", extra={"job": job, "ref": ref})
            failures.append(f"{ref}: {error!r}")
    outcome = WorkOutcome(job, len(refs), changed, round(time.monotonic() - started, 3))
    log.info(
        "job work",
        extra={
            "job": job,
            "examined": outcome.examined,
            "changed": changed,
            "failed": len(failures),
            "seconds": outcome.seconds,
        },
    )
    if failures:
        raise WorkFailed(f"{len(failures)} of {len(refs)} {job} timers failed: {failures[0]}")
    return outcome
