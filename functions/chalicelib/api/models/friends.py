"""Friends, friend requests and blocks."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.api.models.common import Model


class Person(Model, frozen=True, kw_only=True):
    user_id: str
    display_name: str | None = None
    since: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class ListFriendsResult(Model, frozen=True, kw_only=True):
    items: list[Person]


class ListFriendRequestsQuery(Model, frozen=True, kw_only=True):
    direction: Literal["incoming", "outgoing"] = "incoming"


class ListFriendRequestsResult(Model, frozen=True, kw_only=True):
    items: list[Person]


class SendFriendRequest(Model, frozen=True, kw_only=True):
    friend_code: Annotated[str, Meta(max_length=32)] | None = None
    email: (
        Annotated[
            str,
            Meta(
                max_length=254,
                description="An exact e-mail address, for people who allow being found by it.",
            ),
        ]
        | None
    ) = None


class SendFriendRequestResult(Model, frozen=True, kw_only=True):
    user_id: str
    display_name: str | None = None
    state: Literal["outgoing", "friends"]


class AcceptFriendRequestResult(Model, frozen=True, kw_only=True):
    state: Literal["friends"]


class RejectFriendRequestResult(Model, frozen=True, kw_only=True):
    state: Literal["rejected"]


class CancelFriendRequestResult(Model, frozen=True, kw_only=True):
    state: Literal["cancelled"]


class ListBlocksResult(Model, frozen=True, kw_only=True):
    items: list[Person]


class BlockUser(Model, frozen=True, kw_only=True):
    user_id: Annotated[str, Meta(max_length=64)]


class BlockUserResult(Model, frozen=True, kw_only=True):
    blocked: str
