"""The signed-in user's account."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.api.models.auth import Session
from chalicelib.api.models.me import (
    ChangePassword,
    DeleteMe,
    Profile,
    RequestExportResult,
    UpdateMe,
)
from chalicelib.services import accounts, data_export, profile

blueprint = Blueprint(__name__)
api = Api(blueprint, "me")


@api.route(
    "/me", "GET", operation_id="getMe", summary="The signed-in user's profile.", response=Profile
)
def get_me(call: Call) -> dict[str, Any]:
    return accounts.profile(profile.get(call.user_id))


@api.route(
    "/me",
    "PATCH",
    operation_id="updateMe",
    summary="Change profile fields; unknown fields are refused.",
    body=UpdateMe,
    body_required=False,
    response=Profile,
)
def update_me(call: Call, body: UpdateMe) -> dict[str, Any]:
    return accounts.profile(profile.update(call.user_id, body))


@api.route(
    "/me/pending-email",
    "DELETE",
    operation_id="cancelPendingEmail",
    summary="Withdraw an address change that is not confirmed yet.",
    response=Profile,
)
def cancel_pending_email(call: Call) -> dict[str, Any]:
    return accounts.profile(profile.cancel_pending_email(call.user_id))


@api.route(
    "/me/password",
    "POST",
    operation_id="changePassword",
    summary="Change the password; ends every other session.",
    body=ChangePassword,
    response=Session,
)
def change_password(call: Call, body: ChangePassword) -> dict[str, Any]:
    session = accounts.change_password(
        call.user_id, body.current_password, body.new_password, user_agent=call.user_agent
    )
    return session.as_json()


@api.route(
    "/me/export",
    "POST",
    operation_id="requestExport",
    summary="Export every datum about me (a mail with a link follows).",
    response=RequestExportResult,
    status=202,
)
def export(call: Call) -> dict[str, Any]:
    return {"exportId": data_export.request(call.user_id)}


@api.route(
    "/me",
    "DELETE",
    operation_id="deleteMe",
    summary="Delete the account (needs the password).",
    body=DeleteMe,
)
def delete_me(call: Call, body: DeleteMe) -> None:
    profile.delete(call.user_id, body.password)
