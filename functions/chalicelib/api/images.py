"""The photo library."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.api.models.images import (
    CreateUpload,
    CreateUploadResult,
    DeleteImageResult,
    GetFramePreviewQuery,
    GetFramePreviewResult,
    GetRenditionQuery,
    GetRenditionResult,
    Image,
    ListImagesQuery,
    ListImagesResult,
    UpdateImage,
)
from chalicelib.services import images, sharing

blueprint = Blueprint(__name__)
api = Api(blueprint, "images")


@api.route(
    "/images",
    "POST",
    operation_id="createUpload",
    summary="Reserve a library slot; answers a presigned POST for the file.",
    body=CreateUpload,
    response=CreateUploadResult,
    status=201,
)
def create_upload(call: Call, body: CreateUpload) -> dict[str, Any]:
    return images.create_upload(
        bootstrap.deps(),
        call.user_id,
        body.content_type,
        body.bytes,
        body.filename,
        body.send_and_forget_hours,
    )


@api.route(
    "/images",
    "GET",
    operation_id="listImages",
    summary="My library, newest first.",
    query=ListImagesQuery,
    response=ListImagesResult,
)
def list_images(call: Call, query: ListImagesQuery) -> dict[str, Any]:
    items, cursor = images.list_page(call.user_id, query.limit, query.cursor)
    return {"items": [images.describe(i) for i in items], "nextCursor": cursor}


@api.route(
    "/images/{image_id}",
    "GET",
    operation_id="getImage",
    summary="One photo of mine.",
    response=Image,
)
def get_image(call: Call, image_id: str) -> dict[str, Any]:
    return images.describe(images.get(call.user_id, image_id))


@api.route(
    "/images/{image_id}",
    "PATCH",
    operation_id="updateImage",
    summary="Title and focal point.",
    body=UpdateImage,
    body_required=False,
    response=Image,
)
def update_image(call: Call, image_id: str, body: UpdateImage) -> dict[str, Any]:
    return images.describe(images.update(call.user_id, image_id, body))


@api.route(
    "/images/{image_id}",
    "DELETE",
    operation_id="deleteImage",
    summary="Remove from the library (shares already sent stay until they end).",
    response=DeleteImageResult,
)
def delete_image(call: Call, image_id: str) -> dict[str, Any]:
    still_on_frames = images.delete(call.user_id, image_id)
    return {"deleted": True, "stillOnFrames": still_on_frames}


@api.route(
    "/images/{image_id}/renditions/{panel}",
    "GET",
    operation_id="getRendition",
    summary="The exact e-paper preview for a panel.",
    query=GetRenditionQuery,
    response=GetRenditionResult,
)
def rendition(call: Call, image_id: str, panel: str, query: GetRenditionQuery) -> dict[str, Any]:
    return images.rendition_preview(call.user_id, image_id, panel, query.orientation)


@api.route(
    "/images/{image_id}/frames/{frame_id}/preview",
    "GET",
    operation_id="getFramePreview",
    summary="Exactly what a frame will show if this photo is sent to it (crop, dithering, "
    "caption band, sender label).",
    query=GetFramePreviewQuery,
    response=GetFramePreviewResult,
    params={"frame_id": "A frame id (frm_...) the caller may send to."},
)
def frame_preview(
    call: Call, image_id: str, frame_id: str, query: GetFramePreviewQuery
) -> dict[str, Any]:
    return sharing.preview(bootstrap.deps(), call.user_id, image_id, frame_id, query.caption)
