"""The photo library."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.services import images, sharing

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/images", ["POST"], status=201)
def create_upload(call: Call) -> dict[str, Any]:
    body = call.body
    return images.create_upload(
        bootstrap.deps(),
        call.user_id,
        body.get("contentType"),
        body.get("bytes"),
        body.get("filename"),
        body.get("sendAndForgetHours"),
    )


@api.route("/images", ["GET"])
def list_images(call: Call) -> dict[str, Any]:
    items, cursor = images.list_page(call.user_id, call.limit(), call.query("cursor"))
    return {"items": [images.describe(i) for i in items], "nextCursor": cursor}


@api.route("/images/{image_id}", ["GET"])
def get_image(call: Call, image_id: str) -> dict[str, Any]:
    return images.describe(images.get(call.user_id, image_id))


@api.route("/images/{image_id}", ["PATCH"])
def update_image(call: Call, image_id: str) -> dict[str, Any]:
    return images.describe(images.update(call.user_id, image_id, call.body))


@api.route("/images/{image_id}", ["DELETE"])
def delete_image(call: Call, image_id: str) -> dict[str, Any]:
    still_on_frames = images.delete(call.user_id, image_id)
    return {"deleted": True, "stillOnFrames": still_on_frames}


@api.route("/images/{image_id}/renditions/{panel}", ["GET"])
def rendition(call: Call, image_id: str, panel: str) -> dict[str, Any]:
    return images.rendition_preview(
        call.user_id, image_id, panel, call.query("orientation") or "landscape"
    )


@api.route("/images/{image_id}/frames/{frame_id}/preview", ["GET"])
def frame_preview(call: Call, image_id: str, frame_id: str) -> dict[str, Any]:
    return sharing.preview(
        bootstrap.deps(), call.user_id, image_id, frame_id, call.query("caption")
    )
