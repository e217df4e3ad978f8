"""Sending photos to frames and following them until they are on the wall."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.api.models.shares import ListSharesQuery, ListSharesResult, SendPhoto, Share
from chalicelib.services import sharing

blueprint = Blueprint(__name__)
api = Api(blueprint, "shares")


@api.route(
    "/shares",
    "POST",
    operation_id="sendPhoto",
    summary="Send a ready photo to 1-20 frames.",
    body=SendPhoto,
    response=Share,
    status=201,
)
def send(call: Call, body: SendPhoto) -> dict[str, Any]:
    return sharing.create(bootstrap.deps(), call.user_id, body)


@api.route(
    "/shares",
    "GET",
    operation_id="listShares",
    summary="Sent or received history, newest first.",
    query=ListSharesQuery,
    response=ListSharesResult,
)
def history(call: Call, query: ListSharesQuery) -> dict[str, Any]:
    return sharing.history(bootstrap.deps(), call.user_id, query)


@api.route(
    "/shares/{share_id}",
    "GET",
    operation_id="getShare",
    summary="A share (sender, or an owner of a target frame: their part only).",
    response=Share,
)
def get_share(call: Call, share_id: str) -> dict[str, Any]:
    return sharing.get(bootstrap.deps(), call.user_id, share_id)


@api.route(
    "/shares/{share_id}/frames/{frame_id}",
    "DELETE",
    operation_id="removeFromFrame",
    summary="Take the photo off that frame now (sender or frame owner).",
)
def remove(call: Call, share_id: str, frame_id: str) -> None:
    sharing.remove(bootstrap.deps(), call.user_id, share_id, frame_id)
