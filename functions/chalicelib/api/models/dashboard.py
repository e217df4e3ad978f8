"""The dashboard's summary."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.models.common import Model
from chalicelib.api.models.frames import Frame


class DashboardActivity(Model, frozen=True, kw_only=True):
    date: str
    sent: int
    received: int
    displayed: int


class DashboardRecent(Model, frozen=True, kw_only=True):
    """One entry of the recent-activity feed; which of the optional fields it carries depends
    on its type."""

    type_: Literal[
        "photo_received", "photo_displayed", "frame_offline", "friend_request", "friend_accepted"
    ]
    at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    share_id: str | UnsetType = UNSET
    user_id: str | UnsetType = UNSET
    frame_id: str | UnsetType = UNSET
    display_name: str | UnsetType = UNSET
    from_name: str | UnsetType = UNSET
    frame_name: str | UnsetType = UNSET
    thumbnail_url: str | UnsetType = UNSET


class Dashboard(Model, frozen=True, kw_only=True):
    photos: Annotated[int, Meta(ge=0)]
    active_on_my_frames: int
    sent_this_week: Annotated[int, Meta(ge=0)]
    frames_online: Annotated[int, Meta(ge=0)]
    frames_offline: Annotated[int, Meta(ge=0)]
    frames: list[Frame] | UnsetType = UNSET
    activity: list[DashboardActivity]
    recent: list[DashboardRecent]
