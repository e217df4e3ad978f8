"""The signed-in user's account: the profile and what may change in it."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.models.common import Model


class ProfileNotifications(Model, frozen=True, kw_only=True):
    friend_request: bool
    photo_displayed: bool
    frame_offline: bool


class Profile(Model, frozen=True, kw_only=True):
    user_id: Annotated[str, Meta(pattern="^usr_")]
    email: str
    pending_email: str | None = None
    display_name: str
    friend_code: str
    time_zone: str
    findable: bool
    notifications: ProfileNotifications
    photo_count: Annotated[int, Meta(ge=0)]
    created_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class UpdateMeNotifications(Model, frozen=True, kw_only=True, forbid_unknown_fields=True):
    friend_request: bool | UnsetType = UNSET
    photo_displayed: bool | UnsetType = UNSET
    frame_offline: bool | UnsetType = UNSET


class UpdateMe(Model, frozen=True, kw_only=True, forbid_unknown_fields=True):
    display_name: Annotated[str, Meta(min_length=1, max_length=60)] | UnsetType = UNSET
    findable: bool | UnsetType = UNSET
    time_zone: Annotated[str, Meta(max_length=64, description="An IANA time zone.")] | UnsetType = (
        UNSET
    )
    notifications: UpdateMeNotifications | UnsetType = UNSET
    email: (
        Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})] | UnsetType
    ) = UNSET
    current_password: (
        Annotated[
            str,
            Meta(
                max_length=128,
                description="Required with email: an address change needs the current password.",
            ),
        ]
        | UnsetType
    ) = UNSET


class DeleteMe(Model, frozen=True, kw_only=True):
    password: Annotated[str, Meta(max_length=128)]


class ChangePassword(Model, frozen=True, kw_only=True):
    current_password: Annotated[str, Meta(max_length=128)]
    new_password: Annotated[str, Meta(min_length=10, max_length=128)]


class RequestExportResult(Model, frozen=True, kw_only=True):
    export_id: str
