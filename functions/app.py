"""Shareframe's Chalice app: wiring only. Every behaviour lives in chalicelib."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Rate, SQSEvent

from chalicelib import observability
from chalicelib.api import (
    auth_routes,
    dashboard,
    frames,
    friends,
    images,
    me,
    pairing,
    releases,
    shares,
)
from chalicelib.api import openapi as openapi_document
from chalicelib.api.authorizer import authorizer_blueprint
from chalicelib.config import settings
from chalicelib.events import uploads
from chalicelib.services import data_export, frame_reports, maintenance

observability.configure()
app = Chalice(app_name="shareframe")
app.register_blueprint(authorizer_blueprint)
for area in (auth_routes, me, images, pairing, frames, shares, friends, dashboard, releases):
    app.register_blueprint(area.blueprint)
app.register_blueprint(openapi_document.blueprint)


# --- queues ---------------------------------------------------------------------------------


@app.on_sqs_message(queue=settings().uploads_queue, batch_size=1)
def process_uploads(event: SQSEvent) -> None:
    """S3 ObjectCreated notifications of originals (S3 -> SQS; see infra/template.json)."""
    for record in event:
        uploads.handle_message(record.body)


@app.on_sqs_message(queue=settings().exports_queue, batch_size=1)
def build_exports(event: SQSEvent) -> None:
    for record in event:
        message = json.loads(record.body)
        data_export.build(message["userId"], message["exportId"])


# --- IoT topic rules (infra/template.json) ---------------------------------------------------


@app.lambda_function(name="frame_events")
def frame_events(event: dict[str, Any], context: Any) -> str:
    """FrameEventsRule: every event a frame publishes, with ``frameId`` from the topic."""
    return frame_reports.handle_event(event)


@app.lambda_function(name="frame_status")
def frame_status(event: dict[str, Any], context: Any) -> str:
    """FrameStatusRule: retained status and last will of every frame."""
    return frame_reports.handle_status(event)


# --- scheduled maintenance (docs/operations.md) -----------------------------------------------


@app.schedule(Rate(5, unit=Rate.MINUTES))
def expire_shares(event: CloudWatchEvent) -> None:
    maintenance.run("expire_shares")


@app.schedule(Rate(1, unit=Rate.HOURS))
def purge_share_history(event: CloudWatchEvent) -> None:
    maintenance.run("purge_share_history")


@app.schedule(Rate(1, unit=Rate.HOURS))
def purge_deleted_photos(event: CloudWatchEvent) -> None:
    maintenance.run("purge_deleted_photos")


@app.schedule(Rate(15, unit=Rate.MINUTES))
def forget_photos(event: CloudWatchEvent) -> None:
    maintenance.run("forget_photos")


@app.schedule(Rate(1, unit=Rate.HOURS))
def remove_unverified_accounts(event: CloudWatchEvent) -> None:
    maintenance.run("remove_unverified_accounts")


@app.schedule(Rate(1, unit=Rate.HOURS))
def remove_abandoned_uploads(event: CloudWatchEvent) -> None:
    maintenance.run("remove_abandoned_uploads")


@app.schedule(Rate(15, unit=Rate.MINUTES))
def expire_pairing_sessions(event: CloudWatchEvent) -> None:
    maintenance.run("expire_pairing_sessions")


@app.schedule(Rate(1, unit=Rate.HOURS))
def reject_stale_requests(event: CloudWatchEvent) -> None:
    maintenance.run("reject_stale_requests")


@app.schedule(Rate(5, unit=Rate.MINUTES))
def mark_stale_frames(event: CloudWatchEvent) -> None:
    maintenance.run("mark_stale_frames")


@app.schedule(Rate(1, unit=Rate.HOURS))
def notify_offline_frames(event: CloudWatchEvent) -> None:
    maintenance.run("notify_offline_frames")


@app.schedule(Rate(15, unit=Rate.MINUTES))
def finish_account_deletions(event: CloudWatchEvent) -> None:
    maintenance.run("finish_account_deletions")
