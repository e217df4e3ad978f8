"""Friends, friend requests and blocks."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.api.models.friends import (
    AcceptFriendRequestResult,
    BlockUser,
    BlockUserResult,
    CancelFriendRequestResult,
    ListBlocksResult,
    ListFriendRequestsQuery,
    ListFriendRequestsResult,
    ListFriendsResult,
    RejectFriendRequestResult,
    SendFriendRequest,
    SendFriendRequestResult,
)
from chalicelib.services import friends

blueprint = Blueprint(__name__)
api = Api(blueprint, "friends")


@api.route(
    "/friends", "GET", operation_id="listFriends", summary="My friends.", response=ListFriendsResult
)
def list_friends(call: Call) -> dict[str, Any]:
    return {"items": friends.listing(bootstrap.deps(), call.user_id, "friends")}


@api.route(
    "/friends/requests",
    "GET",
    operation_id="listFriendRequests",
    summary="Pending requests.",
    query=ListFriendRequestsQuery,
    response=ListFriendRequestsResult,
)
def list_requests(call: Call, query: ListFriendRequestsQuery) -> dict[str, Any]:
    return {"items": friends.listing(bootstrap.deps(), call.user_id, query.direction)}


@api.route(
    "/friends/requests",
    "POST",
    operation_id="sendFriendRequest",
    summary="Ask by friend code (always works) or by exact e-mail address (for people who allow "
    "it); asking back someone who asked first accepts.",
    body=SendFriendRequest,
    response=SendFriendRequestResult,
    status=201,
)
def send_request(call: Call, body: SendFriendRequest) -> dict[str, Any]:
    return friends.send_request(bootstrap.deps(), call.user_id, body)


@api.route(
    "/friends/requests/{user_id}/accept",
    "POST",
    operation_id="acceptFriendRequest",
    summary="Accept a pending request of this user.",
    response=AcceptFriendRequestResult,
)
def accept(call: Call, user_id: str) -> dict[str, Any]:
    friends.accept(bootstrap.deps(), call.user_id, user_id)
    return {"state": "friends"}


@api.route(
    "/friends/requests/{user_id}/reject",
    "POST",
    operation_id="rejectFriendRequest",
    summary="Reject a pending request of this user.",
    response=RejectFriendRequestResult,
)
def reject(call: Call, user_id: str) -> dict[str, Any]:
    friends.reject(bootstrap.deps(), call.user_id, user_id)
    return {"state": "rejected"}


@api.route(
    "/friends/requests/{user_id}/cancel",
    "POST",
    operation_id="cancelFriendRequest",
    summary="Cancel a pending request of this user.",
    response=CancelFriendRequestResult,
)
def cancel(call: Call, user_id: str) -> dict[str, Any]:
    friends.cancel(bootstrap.deps(), call.user_id, user_id)
    return {"state": "cancelled"}


@api.route("/friends/{user_id}", "DELETE", operation_id="removeFriend", summary="End a friendship.")
def remove(call: Call, user_id: str) -> None:
    friends.remove(bootstrap.deps(), call.user_id, user_id)


@api.route(
    "/blocks",
    "GET",
    operation_id="listBlocks",
    summary="Users I blocked.",
    response=ListBlocksResult,
)
def list_blocks(call: Call) -> dict[str, Any]:
    return {"items": friends.listing(bootstrap.deps(), call.user_id, "blocked")}


@api.route(
    "/blocks",
    "POST",
    operation_id="blockUser",
    summary="Block a user (ends a friendship or request).",
    body=BlockUser,
    response=BlockUserResult,
    status=201,
)
def block(call: Call, body: BlockUser) -> dict[str, Any]:
    friends.block(bootstrap.deps(), call.user_id, body.user_id)
    return {"blocked": body.user_id}


@api.route("/blocks/{user_id}", "DELETE", operation_id="unblockUser", summary="Unblock.")
def unblock(call: Call, user_id: str) -> None:
    friends.unblock(bootstrap.deps(), call.user_id, user_id)
