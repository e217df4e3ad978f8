"""Lambda ``work_timers``: sweeps of timer shards and chunks of due timers.

Timer work scales out: each schedule (schedules.py) sweeps every timer shard through this queue,
and the sweeps hand due timers back to it in chunks (services/maintenance.py). Bounded: at most
TIMER_WORKERS invocations at once. Its own blueprint so it imports only the maintenance services
(see upload_queue.py). Each invocation takes a batch of messages and reports the ones that
failed (``batchItemFailures``), so one bad chunk does not send nine good ones round again.
"""

from __future__ import annotations

import logging
from typing import Any

from chalice.app import Blueprint, SQSEvent

from chalicelib import bootstrap, snapstart
from chalicelib.events.messages import (
    MalformedMessage,
    SweepShard,
    TimerMessage,
    WorkChunk,
    timer_message,
)
from chalicelib.services import maintenance

config = bootstrap.start()
snapstart.register()  # SnapStart: the SDK and the tables go into the snapshot
blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)

TIMER_WORKERS = 20
# Messages per invocation (SQS's most without a batching window). Each is a sweep or a chunk of
# ``maintenance.CHUNK`` timers; a failed one alone goes back to the queue (partial batch
# response: ``ReportBatchItemFailures``, set on every SQS event source by infra/deploy).
TIMER_BATCH = 10
# Time kept back from the function's timeout (at most a fifth of it): a message not started by
# then goes back to the queue whole instead of being cut off; a sweep's budget ends there too.
RESERVE_SECONDS = 60.0


@blueprint.on_sqs_message(
    queue=config.timers_queue, batch_size=TIMER_BATCH, maximum_concurrency=TIMER_WORKERS
)
def work_timers(event: SQSEvent) -> dict[str, list[dict[str, str]]]:
    failed: list[dict[str, str]] = []
    reserve = min(RESERVE_SECONDS, _seconds_left(event) / 5)
    for record in event:
        message_id = str(record.to_dict()["messageId"])
        left = _seconds_left(event) - reserve
        if left <= 0:
            failed.append({"itemIdentifier": message_id})
            continue
        try:
            message = timer_message(record.body)
        except MalformedMessage as err:
            log.warning("timer message dropped", extra={"reason": str(err)})
            continue
        try:
            handle(message, budget_seconds=left)
        except Exception:  # this message is retried; the batch's others are done
            log.exception("timer message failed", extra={"messageId": message_id})
            failed.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failed}


def _seconds_left(event: SQSEvent) -> float:
    context: Any = event.context  # Lambda's context object (chalice types it loosely)
    return float(context.get_remaining_time_in_millis()) / 1000


def handle(
    message: TimerMessage, *, budget_seconds: float | None = None
) -> maintenance.SweepOutcome | maintenance.WorkOutcome:
    """A sweep of a shard, or a chunk of work (a failed timer raises: the message is retried)."""
    match message:
        case SweepShard(job, shard):
            budget = maintenance.SWEEP_BUDGET_SECONDS
            if budget_seconds is not None:
                budget = min(budget, budget_seconds)
            return maintenance.sweep_shard(job, shard, budget_seconds=budget)
        case WorkChunk(job, refs):
            return maintenance.work(job, [dict(ref) for ref in refs])
