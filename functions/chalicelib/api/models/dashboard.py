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


class Notification(DashboardRecent, frozen=True, kw_only=True):
    """A feed entry on the notifications page."""

    id: Annotated[str, Meta(description="Give it as upTo to mark it (and older) as seen.")]
    new: Annotated[bool, Meta(description="Newer than the last entry marked as seen.")]


class ListNotificationsQuery(Model, frozen=True, kw_only=True):
    limit: Annotated[int, Meta(ge=1, le=100)] = 20
    cursor: (
        Annotated[
            str, Meta(max_length=2048, description="Opaque; the nextCursor of the previous page.")
        ]
        | None
    ) = None


class ListNotificationsResult(Model, frozen=True, kw_only=True):
    items: list[Notification]
    next_cursor: str | None


class UnseenNotifications(Model, frozen=True, kw_only=True):
    unseen: Annotated[int, Meta(ge=0, description="At most 100: show 99+ beyond 99.")]


class MarkNotificationsSeen(Model, frozen=True, kw_only=True):
    up_to: Annotated[str, Meta(max_length=64, description="The id of the newest entry seen.")]
