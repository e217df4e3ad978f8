"""Lambda ``render_deliveries``: deliveries waiting for their panel file (services/delivery_files).

``POST /shares`` queues the renditions it could not take from the cache; this function makes
them. Bounded: at most RENDER_WORKERS at once (each one decodes and dithers a photo). Its own
blueprint so it imports only what rendering needs (see upload_queue.py).
"""

from __future__ import annotations

import logging
import time

from chalice.app import Blueprint, SQSEvent

from chalicelib import bootstrap, snapstart
from chalicelib.events.messages import MalformedMessage, RenderRequest
from chalicelib.services import delivery_files

config = bootstrap.start()
# SnapStart: what the first events would load goes into the snapshot.
# The rendering engine, every panel's tone tables and a first render of each (rendering/warmup.py).
snapstart.register(prime_modules=("chalicelib.rendering.rendition", "chalicelib.rendering.warmup"))
blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)

RENDER_WORKERS = 50
# The request writes the share and its deliveries milliseconds after it queues the job: a job
# that overtakes those writes waits for them here, not a whole visibility timeout (12 min).
OVERTAKEN_PAUSES = (0.1, 0.3, 1.0)


@blueprint.on_sqs_message(
    queue=config.renditions_queue, batch_size=1, maximum_concurrency=RENDER_WORKERS
)
def render_deliveries(event: SQSEvent) -> None:
    for record in event:
        try:
            job = RenderRequest.parse(record.body)
        except MalformedMessage as err:
            log.warning("rendition message dropped", extra={"reason": str(err)})
            continue
        handle(job)


def handle(job: RenderRequest) -> str:
    """Fill the job's deliveries (a failure raises: the message is retried, then dead-lettered)."""
    for pause in OVERTAKEN_PAUSES:
        try:
            outcome = delivery_files.fill(bootstrap.deps(), job)
            break
        except delivery_files.ShareNotWrittenYet:
            time.sleep(pause)
    else:
        outcome = delivery_files.fill(bootstrap.deps(), job)  # raises if still not written
    log.info("rendition job done", extra={"shareId": job.share_id, "outcome": outcome})
    return outcome
