"""Release notes and each frame's firmware."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta

from chalicelib.api.models.common import Model


class Release(Model, frozen=True, kw_only=True):
    version: str
    channel: Literal["stable", "beta"]
    criticality: str
    notes: str | None = None
    released_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class ListReleasesQuery(Model, frozen=True, kw_only=True):
    channel: Literal["stable", "beta"] = "stable"
    since: (
        Annotated[str, Meta(max_length=32, description="Only releases newer than this version.")]
        | None
    ) = None


class ListReleasesResult(Model, frozen=True, kw_only=True):
    items: list[Release]


class GetFrameFirmwareResultHistory(Model, frozen=True, kw_only=True):
    version: str
    state: str
    reason: str | None = None
    at: str


class GetFrameFirmwareResult(Model, frozen=True, kw_only=True):
    version: str | None
    channel: str | None
    auto_update: bool | None = None
    available: Release | None
    whats_new: list[Release]
    update: Any = None  # the rollout step the frame is in, if any (free-form)
    history: list[GetFrameFirmwareResultHistory]


class UpdateFirmwareNowResult(Model, frozen=True, kw_only=True):
    version: str
