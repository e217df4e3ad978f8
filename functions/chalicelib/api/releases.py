"""Release notes and each frame's firmware."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.api.models.releases import (
    GetFrameFirmwareResult,
    ListReleasesQuery,
    ListReleasesResult,
    UpdateFirmwareNowResult,
)
from chalicelib.services import frames, releases

blueprint = Blueprint(__name__)
api = Api(blueprint, "releases")


@api.route(
    "/releases",
    "GET",
    operation_id="listReleases",
    summary="Release notes, newest first.",
    query=ListReleasesQuery,
    response=ListReleasesResult,
)
def release_notes(call: Call, query: ListReleasesQuery) -> dict[str, Any]:
    return {"items": releases.notes(query.channel, query.since)}


@api.route(
    "/frames/{frame_id}/firmware",
    "GET",
    operation_id="getFrameFirmware",
    summary="A frame's version, available update, update in progress and history.",
    response=GetFrameFirmwareResult,
)
def frame_firmware(call: Call, frame_id: str) -> dict[str, Any]:
    return releases.frame_firmware(frames.owned(call.user_id, frame_id))


@api.route(
    "/frames/{frame_id}/firmware/update",
    "POST",
    operation_id="updateFirmwareNow",
    summary="Let the frame install the available release now (409 when up to date).",
    response=UpdateFirmwareNowResult,
    status=202,
)
def update_now(call: Call, frame_id: str) -> dict[str, Any]:
    version = releases.request_update(frames.owned(call.user_id, frame_id))
    frames.republish(frame_id)
    return {"version": version}
