"""Frames: their settings and status, claiming, targets and what a frame shows."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.models.common import Model, Orientation, Panel

# How long a photo stays on a frame; "forever" means until someone removes it.
Duration = Literal["24h", "7d", "14d", "30d", "forever"]


class QuietHours(Model, frozen=True, kw_only=True, forbid_unknown_fields=True):
    start: Annotated[str, Meta(pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    end: Annotated[str, Meta(pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    mode: Literal["clear", "keep"] | UnsetType = UNSET


class FrameStatus(Model, frozen=True, kw_only=True):
    online: bool | None
    last_seen_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None
    firmware: str | None
    free_bytes: int | None
    battery: float | None
    next_wake_at: str | None
    showing: Annotated[str, Meta(description="The share on screen now.")] | None


class Frame(Model, frozen=True, kw_only=True):
    frame_id: Annotated[str, Meta(pattern="^frm_")]
    name: str
    owner_id: str
    panel: Panel
    orientation: Orientation
    interval_seconds: int
    order: Literal["newest_first", "shuffle"]
    quiet_hours: QuietHours | None
    time_zone: str
    show_status: bool
    send_policy: Literal["owner", "friends", "chosen"]
    allowed_senders: list[str]
    default_duration: Annotated[
        Duration, Meta(description="How long photos stay when their sender does not choose.")
    ] = "24h"
    status: FrameStatus
    auto_update: bool | None = None
    created_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class Target(Model, frozen=True, kw_only=True):
    frame_id: str
    name: str
    owner_id: str
    owner_name: str | None = None
    panel: Panel
    orientation: Orientation
    online: bool | None
    default_duration: Annotated[
        Duration, Meta(description="How long the photo stays if the sender does not choose.")
    ] = "24h"


class FrameItem(Model, frozen=True, kw_only=True):
    share_id: str
    image_id: str
    sender_id: str
    sender_name: str | None = None
    caption: str | None = None
    sent_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    expires_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None
    state: Literal["queued", "delivered", "displayed"]
    displayed_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None
    thumbnail_url: str | None = None
    preview_url: str | None = None


class ClaimFrame(Model, frozen=True, kw_only=True):
    code: Annotated[str, Meta(max_length=32)]
    name: Annotated[str, Meta(min_length=1, max_length=40)]


class ListFramesResult(Model, frozen=True, kw_only=True):
    items: list[Frame]


class ListTargetsResult(Model, frozen=True, kw_only=True):
    items: list[Target]


class UpdateFrame(Model, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=40)] | UnsetType = UNSET
    interval_seconds: Annotated[int, Meta(ge=180, le=86400)] | UnsetType = UNSET
    orientation: Orientation | UnsetType = UNSET
    panel: Panel | UnsetType = UNSET
    order: Literal["newest_first", "shuffle"] | UnsetType = UNSET
    quiet_hours: QuietHours | UnsetType | None = UNSET
    time_zone: Annotated[str, Meta(max_length=64, description="An IANA time zone.")] | UnsetType = (
        UNSET
    )
    show_status: bool | UnsetType = UNSET
    send_policy: Literal["owner", "friends", "chosen"] | UnsetType = UNSET
    allowed_senders: (
        Annotated[list[Annotated[str, Meta(max_length=63)]], Meta(max_length=200)] | UnsetType
    ) = UNSET
    auto_update: bool | UnsetType = UNSET
    default_duration: Duration | UnsetType = UNSET


class ListFrameItemsResult(Model, frozen=True, kw_only=True):
    items: list[FrameItem]


class ShowNow(Model, frozen=True, kw_only=True):
    share_id: Annotated[str, Meta(pattern="^shr_", max_length=64)]


class ShowNowResult(Model, frozen=True, kw_only=True):
    requested: bool
