"""Release notes and each frame's firmware."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.releases import CHANNELS
from chalicelib.services import frames, releases

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/releases", ["GET"])
def release_notes(call: Call) -> dict[str, Any]:
    channel = call.query("channel") or "stable"
    if channel not in CHANNELS:
        raise ValidationFailed("channel must be stable or beta.", field="channel")
    return {"items": releases.notes(channel, call.query("since"))}


@api.route("/frames/{frame_id}/firmware", ["GET"])
def frame_firmware(call: Call, frame_id: str) -> dict[str, Any]:
    return releases.frame_firmware(frames.owned(call.user_id, frame_id))


@api.route("/frames/{frame_id}/firmware/update", ["POST"], status=202)
def update_now(call: Call, frame_id: str) -> dict[str, Any]:
    version = releases.request_update(frames.owned(call.user_id, frame_id))
    frames.republish(frame_id)
    return {"version": version}
