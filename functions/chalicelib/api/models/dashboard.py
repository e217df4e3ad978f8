"""The dashboard's summary."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.models.common import Model
from chalicelib.api.models.frames import Frame


class DashboardActivity(Model, frozen=True, kw_only=True):
    date: str
    sent: int
    received: int
    displayed: int


class DashboardRecent(Model, frozen=True, kw_only=True):
    type_: str
    at: str


class Dashboard(Model, frozen=True, kw_only=True):
    photos: Annotated[int, Meta(ge=0)]
    active_on_my_frames: int
    sent_this_week: Annotated[int, Meta(ge=0)]
    frames_online: Annotated[int, Meta(ge=0)]
    frames_offline: Annotated[int, Meta(ge=0)]
    frames: list[Frame] | UnsetType = UNSET
    activity: list[DashboardActivity]
    recent: list[DashboardRecent]
