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


# Timer work scales out: each schedule below sweeps every timer shard through this queue, and
# the sweeps hand due timers back to it in chunks. Bounded: at most TIMER_WORKERS at once.
TIMER_WORKERS = 20


@app.on_sqs_message(queue=settings().timers_queue, batch_size=1, maximum_concurrency=TIMER_WORKERS)
def work_timers(event: SQSEvent) -> None:
    """Sweeps of timer shards and chunks of due timers (services/maintenance.py)."""
    for record in event:
        maintenance.handle(json.loads(record.body))


# --- IoT topic rules (infra/template.json) ---------------------------------------------------


@app.lambda_function(name="frame_events")
def frame_events(event: dict[str, Any], context: Any) -> str:
    """FrameEventsRule: every event a frame publishes, with ``frameId`` from the topic."""
    return frame_reports.handle_event(event)


@app.lambda_function(name="frame_status")
def frame_status(event: dict[str, Any], context: Any) -> str:
    """FrameStatusRule: retained status and last will of every frame."""
    return frame_reports.handle_status(event)


@app.lambda_function(name="frame_presence")
def frame_presence(event: dict[str, Any], context: Any) -> str:
    """FramePresenceRule: IoT Core's lifecycle events (connected / disconnected)."""
    return frame_reports.handle_presence(event)


# --- scheduled maintenance (docs/operations.md) -----------------------------------------------


@app.schedule(Rate(5, unit=Rate.MINUTES))
def expire_shares(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("expire_shares")


@app.schedule(Rate(1, unit=Rate.HOURS))
def purge_share_history(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("purge_share_history")


@app.schedule(Rate(1, unit=Rate.HOURS))
def purge_deleted_photos(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("purge_deleted_photos")


@app.schedule(Rate(15, unit=Rate.MINUTES))
def forget_photos(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("forget_photos")


@app.schedule(Rate(1, unit=Rate.HOURS))
def remove_unverified_accounts(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("remove_unverified_accounts")


@app.schedule(Rate(1, unit=Rate.HOURS))
def remove_abandoned_uploads(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("remove_abandoned_uploads")


@app.schedule(Rate(15, unit=Rate.MINUTES))
def expire_pairing_sessions(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("expire_pairing_sessions")


@app.schedule(Rate(1, unit=Rate.HOURS))
def reject_stale_requests(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("reject_stale_requests")


@app.schedule(Rate(1, unit=Rate.HOURS))
def notify_offline_frames(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("notify_offline_frames")


@app.schedule(Rate(15, unit=Rate.MINUTES))
def finish_account_deletions(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("finish_account_deletions")
