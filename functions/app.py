"""Shareframe's Chalice app: wiring only. Every behaviour lives in chalicelib."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, SQSEvent

from chalicelib import observability
from chalicelib.api import auth_routes, frames, images, pairing, shares
from chalicelib.api.authorizer import authorizer_blueprint
from chalicelib.config import settings
from chalicelib.events import uploads
from chalicelib.services import frame_reports

observability.configure()
app = Chalice(app_name="shareframe")
app.register_blueprint(authorizer_blueprint)
for area in (auth_routes, images, pairing, frames, shares):
    app.register_blueprint(area.blueprint)


@app.on_sqs_message(queue=settings().uploads_queue, batch_size=1)
def process_uploads(event: SQSEvent) -> None:
    """S3 ObjectCreated notifications of originals (S3 -> SQS; see infra/template.json)."""
    for record in event:
        uploads.handle_message(record.body)


@app.lambda_function(name="frame_events")
def frame_events(event: dict[str, Any], context: Any) -> str:
    """IoT rule FrameEventsRule: every event a frame publishes, with ``frameId`` from the topic."""
    return frame_reports.handle_event(event)


@app.lambda_function(name="frame_status")
def frame_status(event: dict[str, Any], context: Any) -> str:
    """IoT rule FrameStatusRule: retained status and last will of every frame."""
    return frame_reports.handle_status(event)
