"""Sending photos to frames and following them until they are on the wall."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.services import sharing

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/shares", ["POST"], status=201)
def send(call: Call) -> dict[str, Any]:
    body = call.body
    return sharing.create(
        bootstrap.deps(),
        call.user_id,
        body.get("imageId"),
        body.get("frameIds"),
        duration=body.get("duration"),
        expires_at=body.get("expiresAt"),
        caption=body.get("caption"),
    )


@api.route("/shares", ["GET"])
def history(call: Call) -> dict[str, Any]:
    return sharing.history(
        bootstrap.deps(),
        call.user_id,
        call.query("direction"),
        frame_id=call.query("frameId"),
        other_id=call.query("userId"),
        state=call.query("state"),
        limit=call.limit(),
        cursor=call.query("cursor"),
    )


@api.route("/shares/{share_id}", ["GET"])
def get_share(call: Call, share_id: str) -> dict[str, Any]:
    return sharing.get(bootstrap.deps(), call.user_id, share_id)


@api.route("/shares/{share_id}/frames/{frame_id}", ["DELETE"])
def remove(call: Call, share_id: str, frame_id: str) -> None:
    sharing.remove(bootstrap.deps(), call.user_id, share_id, frame_id)
