"""Lambda ``process_uploads``: S3 ObjectCreated notifications of originals (S3 -> SQS).

Defined in a blueprint, not in app.py, so the function imports only this module's imports and
not the whole API (Chalice makes the handler ``chalicelib.events.upload_queue.process_uploads``).
"""

from __future__ import annotations

import logging

from chalice.app import Blueprint, SQSEvent

from chalicelib import bootstrap, snapstart
from chalicelib.events.messages import MalformedMessage, UploadedObject, uploaded_objects
from chalicelib.services import images

config = bootstrap.start()
# SnapStart: what the first events would load goes into the snapshot.
snapstart.register(
    prime_modules=("chalicelib.rendering.source", "chalicelib.rendering.rendition", "pillow_heif")
)
blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)


@blueprint.on_sqs_message(queue=config.uploads_queue, batch_size=1)
def process_uploads(event: SQSEvent) -> None:
    """See infra/template.json for the bucket notification."""
    for record in event:
        try:
            uploaded = list(uploaded_objects(record.body))
        except MalformedMessage as err:
            log.warning("upload notification dropped", extra={"reason": str(err)})
            continue
        for obj in uploaded:
            handle(obj)


def handle(obj: UploadedObject) -> None:
    outcome = images.process_upload(bootstrap.deps(), obj.key, obj.size)
    log.info("upload processed", extra={"key": obj.key, "outcome": outcome})
