"""Sign-up, e-mail verification, login sessions and password reset."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import Api, Call
from chalicelib.services import accounts, profile

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/auth/register", ["POST"], public=True, status=201)
def register(call: Call) -> dict[str, Any]:
    body = call.body
    # The same answer whether or not the address already has an account: no enumeration.
    address = accounts.normalise_email(body.get("email"))
    accounts.register(address, body.get("password"), body.get("displayName"), source=call.source)
    return {"email": address, "verificationRequired": True}


@api.route("/auth/verify", ["POST"], public=True)
def verify(call: Call) -> dict[str, Any]:
    profile.follow_email_link(call.body.get("token"))
    return {"verified": True}


@api.route("/auth/email-change/cancel", ["POST"], public=True)
def cancel_email_change(call: Call) -> dict[str, Any]:
    """The old address's "this wasn't me" link (the web page posts it on a button press)."""
    profile.cancel_email_change_by_link(call.body.get("token"))
    return {"cancelled": True, "sessionsEnded": True}


@api.route("/auth/resend-verification", ["POST"], public=True, status=202)
def resend(call: Call) -> dict[str, Any]:
    accounts.resend_verification(call.body.get("email"))
    return {"sent": True}


@api.route("/auth/login", ["POST"], public=True)
def login(call: Call) -> dict[str, Any]:
    body = call.body
    session, user = accounts.login(
        body.get("email"), body.get("password"), source=call.source, user_agent=call.user_agent
    )
    return {**session.as_json(), "user": accounts.profile(user)}


@api.route("/auth/refresh", ["POST"], public=True)
def refresh(call: Call) -> dict[str, Any]:
    return accounts.refresh(call.body.get("refreshToken")).as_json()


@api.route("/auth/logout", ["POST"], public=True)
def logout(call: Call) -> Response:
    accounts.logout(call.body.get("refreshToken"))
    return Response(body="", status_code=204)


@api.route("/auth/password-reset", ["POST"], public=True, status=202)
def password_reset(call: Call) -> dict[str, Any]:
    accounts.request_password_reset(call.body.get("email"))
    return {"sent": True}


@api.route("/auth/password-reset/confirm", ["POST"], public=True)
def password_reset_confirm(call: Call) -> dict[str, Any]:
    body = call.body
    accounts.confirm_password_reset(body.get("token"), body.get("password"))
    return {"reset": True}
