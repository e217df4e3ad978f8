"""The signed-in user's account."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.services import accounts, data_export, profile

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/me", ["GET"])
def get_me(call: Call) -> dict[str, Any]:
    return accounts.profile(profile.get(call.user_id))


@api.route("/me", ["PATCH"])
def update_me(call: Call) -> dict[str, Any]:
    return accounts.profile(profile.update(call.user_id, call.body))


@api.route("/me/pending-email", ["DELETE"])
def cancel_pending_email(call: Call) -> dict[str, Any]:
    return accounts.profile(profile.cancel_pending_email(call.user_id))


@api.route("/me/password", ["POST"])
def change_password(call: Call) -> dict[str, Any]:
    body = call.body
    session = accounts.change_password(
        call.user_id,
        body.get("currentPassword"),
        body.get("newPassword"),
        user_agent=call.user_agent,
    )
    return session.as_json()


@api.route("/me/export", ["POST"], status=202)
def export(call: Call) -> dict[str, Any]:
    return {"exportId": data_export.request(call.user_id)}


@api.route("/me", ["DELETE"])
def delete_me(call: Call) -> None:
    profile.delete(call.user_id, call.body.get("password"))
