"""The photo library: uploads, images, renditions and previews."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.models.common import Model, Orientation, Panel


class FocalPoint(Model, frozen=True, kw_only=True, forbid_unknown_fields=True):
    x: Annotated[float, Meta(ge=0, le=1)]
    y: Annotated[float, Meta(ge=0, le=1)]


class Image(Model, frozen=True, kw_only=True):
    image_id: Annotated[str, Meta(pattern="^img_")]
    state: Literal["pending", "ready", "rejected"]
    reason: str | None = None
    title: str
    created_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    captured_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None
    width: int | None = None
    height: int | None = None
    focal_point: FocalPoint
    duplicate_of: str | None = None
    delete_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None
    thumbnail_url: str | None = None
    preview_url: str | None = None


class CreateUpload(Model, frozen=True, kw_only=True):
    content_type: Literal["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"]
    bytes: Annotated[int, Meta(ge=1, le=26214400)]
    filename: Annotated[str, Meta(max_length=255)] | None = None
    send_and_forget_hours: Annotated[int, Meta(ge=1, le=720)] | None = None


class UploadForm(Model, frozen=True, kw_only=True):
    url: str
    fields: dict[str, str]


class CreateUploadResult(Model, frozen=True, kw_only=True):
    image_id: Annotated[str, Meta(pattern="^img_")]
    upload: UploadForm
    max_bytes: int
    expires_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class ListImagesQuery(Model, frozen=True, kw_only=True):
    limit: Annotated[int, Meta(ge=1, le=100)] = 30
    cursor: (
        Annotated[
            str, Meta(max_length=2048, description="Opaque; the nextCursor of the previous page.")
        ]
        | None
    ) = None


class ListImagesResult(Model, frozen=True, kw_only=True):
    items: list[Image]
    next_cursor: str | None


class UpdateImage(Model, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, Meta(max_length=120)] | UnsetType = UNSET
    focal_point: FocalPoint | UnsetType = UNSET


class DeleteImageResult(Model, frozen=True, kw_only=True):
    deleted: bool
    still_on_frames: bool


class GetRenditionQuery(Model, frozen=True, kw_only=True):
    orientation: Orientation = "landscape"


class GetRenditionResult(Model, frozen=True, kw_only=True):
    panel: Panel
    orientation: Orientation
    preview_url: str
    width: int
    height: int


class GetFramePreviewQuery(Model, frozen=True, kw_only=True):
    caption: (
        Annotated[str, Meta(max_length=1000, description="The caption the share would carry.")]
        | None
    ) = None


class GetFramePreviewResult(Model, frozen=True, kw_only=True):
    frame_id: str
    panel: Panel
    orientation: Orientation
    preview_url: str
    width: int
    height: int
