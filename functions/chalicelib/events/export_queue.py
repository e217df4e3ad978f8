"""Lambda ``build_exports``: one data export per message on the exports queue.

Its own blueprint so the function imports only what building an export needs (see
upload_queue.py).
"""

from __future__ import annotations

import logging

from chalice.app import Blueprint, SQSEvent

from chalicelib import bootstrap, snapstart
from chalicelib.events.messages import ExportRequest, MalformedMessage
from chalicelib.services import data_export

config = bootstrap.start()
snapstart.register()  # SnapStart: the SDK and the tables go into the snapshot
blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)


@blueprint.on_sqs_message(queue=config.exports_queue, batch_size=1)
def build_exports(event: SQSEvent) -> None:
    for record in event:
        try:
            request = ExportRequest.parse(record.body)
        except MalformedMessage as err:
            log.warning("export message dropped", extra={"reason": str(err)})
            continue
        data_export.build(request.user_id, request.export_id)
