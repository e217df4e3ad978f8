"""Lambda ``work_timers``: sweeps of timer shards and chunks of due timers.

Timer work scales out: each schedule (schedules.py) sweeps every timer shard through this queue,
and the sweeps hand due timers back to it in chunks (services/maintenance.py). Bounded: at most
TIMER_WORKERS invocations at once. Its own blueprint so it imports only the maintenance services
(see upload_queue.py).
"""

from __future__ import annotations

import logging

from chalice.app import Blueprint, SQSEvent

from chalicelib import bootstrap
from chalicelib.events.messages import (
    MalformedMessage,
    SweepShard,
    TimerMessage,
    WorkChunk,
    timer_message,
)
from chalicelib.services import maintenance

config = bootstrap.start()
blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)

TIMER_WORKERS = 20


@blueprint.on_sqs_message(
    queue=config.timers_queue, batch_size=1, maximum_concurrency=TIMER_WORKERS
)
def work_timers(event: SQSEvent) -> None:
    for record in event:
        try:
            message = timer_message(record.body)
        except MalformedMessage as err:
            log.warning("timer message dropped", extra={"reason": str(err)})
            continue
        handle(message)


def handle(message: TimerMessage) -> maintenance.SweepOutcome | maintenance.WorkOutcome:
    """A sweep of a shard, or a chunk of work (a failed timer raises: the message is retried)."""
    match message:
        case SweepShard(job, shard):
            return maintenance.sweep_shard(job, shard)
        case WorkChunk(job, refs):
            return maintenance.work(job, [dict(ref) for ref in refs])
