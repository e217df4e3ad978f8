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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chalicelib import bootstrap
from chalicelib.adapters import queues, read_ahead, tables, timers
from chalicelib.adapters.conditional import delete_if
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
from chalicelib.services.ports import Deps

log = logging.getLogger(__name__)


type Ref = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """One kind of timer work: ``apply`` does one timer's work.

    ``read_ahead`` (if any) first reads what every timer of a chunk needs, one request per
    table (adapters/read_ahead.py), and returns the deps whose repositories answer from it: a
    chunk of 25 costs one read instead of 25 before the timers' own writes.
    """

    apply: Callable[[Deps, Ref], bool]
    read_ahead: Callable[[Deps, Sequence[Ref]], Deps] | None = None


def _remove_unverified(deps: Deps, ref: Ref) -> bool:
    try:
        user = tables.UserRecord.get(ref["userId"], consistent_read=True)
    except tables.DoesNotExist:
        return False
    if user.verified or utcnow() - user.created_at < accounts.UNVERIFIED_LIFETIME:
        return False
    return account_deletion.run(user.user_id)


def _expire_pairing(deps: Deps, ref: Ref) -> bool:
    """One conditional delete, no read: gone unless a frame is claiming it right now."""
    return delete_if(
        tables.PairingSessionRecord(ref["code"]),
        tables.PairingSessionRecord.code.exists()
        & (tables.PairingSessionRecord.expires_at <= utcnow())
        & (tables.PairingSessionRecord.state != "claiming"),
    )


def _read_shares(deps: Deps, refs: Sequence[Ref]) -> Deps:
    return replace(deps, shares=read_ahead.ReadAheadShares(read_ahead.keys(refs, "shareId")))


def _read_uploads(deps: Deps, refs: Sequence[Ref]) -> Deps:
    images = read_ahead.ReadAheadImages(read_ahead.keys(refs, "userId", "imageId"))
    return replace(deps, images=images)


def _read_offline_frames(deps: Deps, refs: Sequence[Ref]) -> Deps:
    frames = read_ahead.ReadAheadFrames(read_ahead.keys(refs, "frameId"), consistent=True)
    now = utcnow()
    owners = [f.owner_id for f in frames.read() if frame_reports.needs_offline_notice(f, now)]
    return replace(deps, frames=frames, users=read_ahead.ReadAheadUsers(owners))


JOBS: dict[str, Job] = {
    jobs.EXPIRE_SHARES: Job(lambda deps, ref: sharing.expire(deps, ref["shareId"]), _read_shares),
    jobs.PURGE_SHARE_HISTORY: Job(lambda deps, ref: sharing.purge(deps, ref["shareId"])),
    jobs.REMOVE_ABANDONED_UPLOADS: Job(
        lambda deps, ref: images.remove_abandoned(deps, ref["userId"], ref["imageId"]),
        _read_uploads,
    ),
    jobs.FORGET_PHOTOS: Job(lambda deps, ref: images.forget(ref["userId"], ref["imageId"])),
    jobs.PURGE_DELETED_PHOTOS: Job(
        lambda deps, ref: images.purge_deleted(ref["userId"], ref["imageId"])
    ),
    jobs.REMOVE_UNVERIFIED_ACCOUNTS: Job(_remove_unverified),
    jobs.FINISH_ACCOUNT_DELETIONS: Job(lambda deps, ref: account_deletion.run(ref["userId"])),
    jobs.EXPIRE_PAIRING_SESSIONS: Job(_expire_pairing),
    jobs.REJECT_STALE_REQUESTS: Job(
        lambda deps, ref: friends.reject_stale(deps, ref["to"], ref["from"])
    ),
    jobs.NOTIFY_OFFLINE_FRAMES: Job(
        lambda deps, ref: frame_reports.notify_offline(deps, ref["frameId"]),
        _read_offline_frames,
    ),
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


def _hand_over(job: str, batch: list[tables.TimerRecord]) -> None:
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
    batch: list[tables.TimerRecord] = []
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


def work(job: str, refs: list[Ref]) -> WorkOutcome:
    """Apply ``job`` to each timer of a chunk; failures make the whole message retry.

    The chunk's reads come first, all at once (a failure there retries the message before any
    work is done); then each timer's writes, one timer after the other: a timer that fails
    does not keep the others from being done.
    """
    kind = JOBS[job]
    started = time.monotonic()
    deps = bootstrap.deps()
    if kind.read_ahead is not None:
        deps = kind.read_ahead(deps, refs)
    changed = 0
    failures: list[str] = []
    for ref in refs:
        try:
            if kind.apply(deps, dict(ref)):
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
