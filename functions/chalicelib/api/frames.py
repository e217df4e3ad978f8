"""A user's frames: claim by code, settings, status, unpairing."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.domain.errors import NotFound
from chalicelib.services import frames, pairing, sharing

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/frames", ["POST"], status=201)
def claim(call: Call) -> dict[str, Any]:
    body = call.body
    return frames.describe(
        pairing.claim(bootstrap.deps(), call.user_id, body.get("code"), body.get("name"))
    )


@api.route("/frames", ["GET"])
def list_frames(call: Call) -> dict[str, Any]:
    return {"items": [frames.describe(f) for f in frames.of_owner(call.user_id)]}


@api.route("/frames/targets", ["GET"])
def targets(call: Call) -> dict[str, Any]:
    return {"items": sharing.targets(bootstrap.deps(), call.user_id)}


@api.route("/frames/{frame_id}", ["GET"])
def get_frame(call: Call, frame_id: str) -> dict[str, Any]:
    return frames.describe(frames.owned(call.user_id, frame_id))


@api.route("/frames/{frame_id}", ["PATCH"])
def update_frame(call: Call, frame_id: str) -> dict[str, Any]:
    return frames.describe(frames.update(call.user_id, frame_id, call.body))


@api.route("/frames/{frame_id}", ["DELETE"])
def unpair(call: Call, frame_id: str) -> None:
    frames.unpair(call.user_id, frame_id)


@api.route("/frames/{frame_id}/items", ["GET"])
def items(call: Call, frame_id: str) -> dict[str, Any]:
    return {
        "items": sharing.on_frame(
            bootstrap.deps(), call.user_id, frames.owned(call.user_id, frame_id)
        )
    }


@api.route("/frames/{frame_id}/show-now", ["POST"], status=202)
def show_now(call: Call, frame_id: str) -> dict[str, Any]:
    frame = frames.find(frame_id)
    if frame is None:
        raise NotFound("This frame does not exist.")
    sharing.show_now(bootstrap.deps(), call.user_id, frame, call.body.get("shareId"))
    return {"requested": True}
