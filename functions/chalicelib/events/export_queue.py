"""Lambda ``build_exports``: one data export per message on the exports queue.

Its own blueprint so the function imports only what building an export needs (see
upload_queue.py).
"""

from __future__ import annotations

import json

from chalice.app import Blueprint, SQSEvent

from chalicelib import observability
from chalicelib.config import settings
from chalicelib.services import data_export

observability.configure()
blueprint = Blueprint(__name__)


@blueprint.on_sqs_message(queue=settings().exports_queue, batch_size=1)
def build_exports(event: SQSEvent) -> None:
    for record in event:
        message = json.loads(record.body)
        data_export.build(message["userId"], message["exportId"])
