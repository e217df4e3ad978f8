"""Lambda ``work_timers``: sweeps of timer shards and chunks of due timers.

Timer work scales out: each schedule (schedules.py) sweeps every timer shard through this queue,
and the sweeps hand due timers back to it in chunks (services/maintenance.py). Bounded: at most
TIMER_WORKERS invocations at once. Its own blueprint so it imports only the maintenance services
(see upload_queue.py).
"""

from __future__ import annotations

import json

from chalice.app import Blueprint, SQSEvent

from chalicelib import observability
from chalicelib.config import settings
from chalicelib.services import maintenance

observability.configure()
blueprint = Blueprint(__name__)

TIMER_WORKERS = 20


@blueprint.on_sqs_message(
    queue=settings().timers_queue, batch_size=1, maximum_concurrency=TIMER_WORKERS
)
def work_timers(event: SQSEvent) -> None:
    for record in event:
        maintenance.handle(json.loads(record.body))
