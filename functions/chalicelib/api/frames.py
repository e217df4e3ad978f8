"""A user's frames: claim by code, settings, status, unpairing."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call, sent_fields
from chalicelib.api.models.frames import (
    ClaimFrame,
    Frame,
    ListFrameItemsResult,
    ListFramesResult,
    ListTargetsResult,
    ShowNow,
    ShowNowResult,
    UpdateFrame,
)
from chalicelib.domain.errors import NotFound
from chalicelib.services import frames, pairing, sharing

blueprint = Blueprint(__name__)
api = Api(blueprint, "frames")


@api.route(
    "/frames",
    "POST",
    operation_id="claimFrame",
    summary="Claim a frame by the code on its screen.",
    body=ClaimFrame,
    response=Frame,
    status=201,
)
def claim(call: Call, body: ClaimFrame) -> dict[str, Any]:
    return frames.describe(pairing.claim(bootstrap.deps(), call.user_id, body))


@api.route(
    "/frames", "GET", operation_id="listFrames", summary="My frames.", response=ListFramesResult
)
def list_frames(call: Call) -> dict[str, Any]:
    return {"items": [frames.describe(f) for f in frames.of_owner(call.user_id)]}


@api.route(
    "/frames/targets",
    "GET",
    operation_id="listTargets",
    summary="Frames I may send to: mine and friends' that allow me.",
    response=ListTargetsResult,
)
def targets(call: Call) -> dict[str, Any]:
    return {"items": sharing.targets(bootstrap.deps(), call.user_id)}


@api.route(
    "/frames/{frame_id}",
    "GET",
    operation_id="getFrame",
    summary="One of my frames (404 for anyone else's).",
    response=Frame,
)
def get_frame(call: Call, frame_id: str) -> dict[str, Any]:
    return frames.describe(frames.owned(call.user_id, frame_id))


@api.route(
    "/frames/{frame_id}",
    "PATCH",
    operation_id="updateFrame",
    summary="Change settings; unknown settings are refused.",
    body=UpdateFrame,
    body_required=False,
    response=Frame,
)
def update_frame(call: Call, frame_id: str, body: UpdateFrame) -> dict[str, Any]:
    return frames.describe(frames.update(call.user_id, frame_id, sent_fields(body)))


@api.route(
    "/frames/{frame_id}",
    "DELETE",
    operation_id="unpairFrame",
    summary="Unpair: the frame wipes itself, its certificate is revoked.",
)
def unpair(call: Call, frame_id: str) -> None:
    frames.unpair(call.user_id, frame_id)


@api.route(
    "/frames/{frame_id}/items",
    "GET",
    operation_id="listFrameItems",
    summary="What is on one of my frames now.",
    response=ListFrameItemsResult,
)
def items(call: Call, frame_id: str) -> dict[str, Any]:
    return {
        "items": sharing.on_frame(
            bootstrap.deps(), call.user_id, frames.owned(call.user_id, frame_id)
        )
    }


@api.route(
    "/frames/{frame_id}/show-now",
    "POST",
    operation_id="showNow",
    summary="Show one of the frame's photos next (owner, or the sender while allowed).",
    body=ShowNow,
    response=ShowNowResult,
    status=202,
)
def show_now(call: Call, frame_id: str, body: ShowNow) -> dict[str, Any]:
    frame = frames.find(frame_id)
    if frame is None:
        raise NotFound("This frame does not exist.")
    sharing.show_now(bootstrap.deps(), call.user_id, frame, body.share_id)
    return {"requested": True}
