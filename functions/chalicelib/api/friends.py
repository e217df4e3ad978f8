"""Friends, friend requests and blocks."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services import friends

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/friends", ["GET"])
def list_friends(call: Call) -> dict[str, Any]:
    return {"items": friends.listing(bootstrap.deps(), call.user_id, "friends")}


@api.route("/friends/requests", ["GET"])
def list_requests(call: Call) -> dict[str, Any]:
    direction = call.query("direction") or "incoming"
    if direction not in ("incoming", "outgoing"):
        raise ValidationFailed("direction must be incoming or outgoing.", field="direction")
    return {"items": friends.listing(bootstrap.deps(), call.user_id, direction)}


@api.route("/friends/requests", ["POST"], status=201)
def send_request(call: Call) -> dict[str, Any]:
    body = call.body
    return friends.send_request(
        bootstrap.deps(), call.user_id, body.get("friendCode"), body.get("email")
    )


@api.route("/friends/requests/{user_id}/accept", ["POST"])
def accept(call: Call, user_id: str) -> dict[str, Any]:
    friends.accept(bootstrap.deps(), call.user_id, user_id)
    return {"state": "friends"}


@api.route("/friends/requests/{user_id}/reject", ["POST"])
def reject(call: Call, user_id: str) -> dict[str, Any]:
    friends.reject(bootstrap.deps(), call.user_id, user_id)
    return {"state": "rejected"}


@api.route("/friends/requests/{user_id}/cancel", ["POST"])
def cancel(call: Call, user_id: str) -> dict[str, Any]:
    friends.cancel(bootstrap.deps(), call.user_id, user_id)
    return {"state": "cancelled"}


@api.route("/friends/{user_id}", ["DELETE"])
def remove(call: Call, user_id: str) -> None:
    friends.remove(bootstrap.deps(), call.user_id, user_id)


@api.route("/blocks", ["GET"])
def list_blocks(call: Call) -> dict[str, Any]:
    return {"items": friends.listing(bootstrap.deps(), call.user_id, "blocked")}


@api.route("/blocks", ["POST"], status=201)
def block(call: Call) -> dict[str, Any]:
    user_id = call.body.get("userId")
    if not isinstance(user_id, str):
        raise ValidationFailed("userId is required.", field="userId")
    friends.block(bootstrap.deps(), call.user_id, user_id)
    return {"blocked": user_id}


@api.route("/blocks/{user_id}", ["DELETE"])
def unblock(call: Call, user_id: str) -> None:
    friends.unblock(bootstrap.deps(), call.user_id, user_id)
