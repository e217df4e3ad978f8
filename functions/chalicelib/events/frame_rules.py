"""Lambdas behind the IoT topic rules (infra/template.json): what frames publish.

Its own blueprint so these functions import only the frame-report services (see
upload_queue.py). Each parses its event into a typed message (events/frame_messages.py); one
that is not a message of the protocol is logged and dropped, and nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap, snapstart
from chalicelib.events.frame_messages import (
    MalformedMessage,
    parse_frame_event,
    parse_frame_status,
    parse_presence,
)
from chalicelib.services import frame_reports

bootstrap.start()
snapstart.register()  # SnapStart: the SDK and the tables go into the snapshot
blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)


def _handle[M](event: dict[str, Any], parse: Callable[[Any], M], handle: Callable[[M], str]) -> str:
    try:
        message = parse(event)
    except MalformedMessage as exc:
        frame_id = (
            event.get("frameId") or event.get("clientId") if isinstance(event, dict) else None
        )
        log.warning(
            "frame message rejected",
            extra={"frameId": str(frame_id)[:40], "function": parse.__name__, "error": str(exc)},
        )
        return "ignored: malformed"
    return handle(message)


@blueprint.lambda_function(name="frame_events")
def frame_events(event: dict[str, Any], context: Any) -> str:
    """FrameEventsRule: every event a frame publishes, with ``frameId`` from the topic."""
    return _handle(event, parse_frame_event, frame_reports.handle_event)


@blueprint.lambda_function(name="frame_status")
def frame_status(event: dict[str, Any], context: Any) -> str:
    """FrameStatusRule: retained status and last will of every frame."""
    return _handle(event, parse_frame_status, frame_reports.handle_status)


@blueprint.lambda_function(name="frame_presence")
def frame_presence(event: dict[str, Any], context: Any) -> str:
    """FramePresenceRule: IoT Core's lifecycle events (connected / disconnected)."""
    return _handle(event, parse_presence, frame_reports.handle_presence)
