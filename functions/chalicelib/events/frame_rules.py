"""Lambdas behind the IoT topic rules (infra/template.json): what frames publish.

Its own blueprint so these functions import only the frame-report services (see
upload_queue.py).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.services import frame_reports

bootstrap.start()
blueprint = Blueprint(__name__)


@blueprint.lambda_function(name="frame_events")
def frame_events(event: dict[str, Any], context: Any) -> str:
    """FrameEventsRule: every event a frame publishes, with ``frameId`` from the topic."""
    return frame_reports.handle_event(event)


@blueprint.lambda_function(name="frame_status")
def frame_status(event: dict[str, Any], context: Any) -> str:
    """FrameStatusRule: retained status and last will of every frame."""
    return frame_reports.handle_status(event)


@blueprint.lambda_function(name="frame_presence")
def frame_presence(event: dict[str, Any], context: Any) -> str:
    """FramePresenceRule: IoT Core's lifecycle events (connected / disconnected)."""
    return frame_reports.handle_presence(event)
