"""Lambda ``process_uploads``: S3 ObjectCreated notifications of originals (S3 -> SQS).

Defined in a blueprint, not in app.py, so the function imports only this module's imports and
not the whole API (Chalice makes the handler ``chalicelib.events.upload_queue.process_uploads``).
"""

from __future__ import annotations

from chalice.app import Blueprint, SQSEvent

from chalicelib import observability
from chalicelib.config import settings
from chalicelib.events import uploads

observability.configure()
blueprint = Blueprint(__name__)


@blueprint.on_sqs_message(queue=settings().uploads_queue, batch_size=1)
def process_uploads(event: SQSEvent) -> None:
    """See infra/template.json for the bucket notification."""
    for record in event:
        uploads.handle_message(record.body)
