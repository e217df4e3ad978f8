"""Sending photos to frames and following each delivery."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.api.models.common import Model
from chalicelib.domain.sharing import MAX_CAPTION, MAX_TARGETS


class Delivery(Model, frozen=True, kw_only=True):
    frame_id: str
    frame_name: str | None = None
    owner_id: str
    state: Literal["queued", "delivered", "displayed", "removed", "expired"]
    delivered_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None
    displayed_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None
    expires_at: (
        Annotated[
            str,
            Meta(
                description="When it leaves this frame; null: until removed.",
                extra_json_schema={"format": "date-time"},
            ),
        ]
        | None
    ) = None
    expected_at: str | None = None
    thumbnail_url: str | None = None
    preview_url: (
        Annotated[str, Meta(description="What this frame shows (its panel's colours).")] | None
    ) = None


class Share(Model, frozen=True, kw_only=True):
    share_id: Annotated[str, Meta(pattern="^shr_")]
    image_id: str
    sender_id: str
    sender_name: str | None = None
    caption: str | None = None
    created_at: str
    expires_at: (
        Annotated[
            str,
            Meta(
                description="When it has left every frame; null: on some frame until removed.",
                extra_json_schema={"format": "date-time"},
            ),
        ]
        | None
    )
    thumbnail_url: str | None = None
    preview_url: Annotated[str, Meta(description="The first frame's rendition.")] | None = None
    deliveries: list[Delivery]


class SendPhoto(Model, frozen=True, kw_only=True):
    image_id: Annotated[str, Meta(max_length=64)]
    frame_ids: Annotated[
        list[Annotated[str, Meta(max_length=64)]], Meta(min_length=1, max_length=MAX_TARGETS)
    ]
    duration: (
        Annotated[
            Literal["24h", "7d", "14d", "30d", "forever"],
            Meta(
                description="Give either duration or expiresAt; with neither, each frame's "
                "owner's default (defaultDuration) applies."
            ),
        ]
        | None
    ) = None
    expires_at: (
        Annotated[
            str,
            Meta(
                description="At least 5 minutes and at most a year ahead.",
                extra_json_schema={"format": "date-time"},
            ),
        ]
        | None
    ) = None
    caption: Annotated[str, Meta(max_length=MAX_CAPTION)] | None = None


class ListSharesQuery(Model, frozen=True, kw_only=True):
    direction: Literal["sent", "received"] = "sent"
    frame_id: Annotated[str, Meta(max_length=64)] | None = None
    user_id: Annotated[str, Meta(max_length=64)] | None = None
    state: Literal["queued", "delivered", "displayed", "removed", "expired"] | None = None
    limit: Annotated[int, Meta(ge=1, le=100)] = 30
    cursor: (
        Annotated[
            str, Meta(max_length=2048, description="Opaque; the nextCursor of the previous page.")
        ]
        | None
    ) = None


class ListSharesResult(Model, frozen=True, kw_only=True):
    items: list[Share]
    next_cursor: str | None
