"""Sign-up, e-mail verification, login sessions and password reset."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import Api, Call
from chalicelib.api.models.auth import (
    CancelEmailChange,
    CancelEmailChangeResult,
    ConfirmPasswordReset,
    ConfirmPasswordResetResult,
    Login,
    LoginResult,
    Logout,
    Refresh,
    Register,
    RegisterResult,
    RequestPasswordReset,
    RequestPasswordResetResult,
    ResendVerification,
    ResendVerificationResult,
    Session,
    VerifyEmail,
    VerifyEmailResult,
)
from chalicelib.services import accounts, profile

blueprint = Blueprint(__name__)
api = Api(blueprint, "auth")


@api.route(
    "/auth/register",
    "POST",
    operation_id="register",
    summary="Create an account (a verification mail follows). The same answer whether or not "
    "the address already has an account.",
    body=Register,
    response=RegisterResult,
    public=True,
    status=201,
)
def register(call: Call, body: Register) -> dict[str, Any]:
    # The same answer whether or not the address already has an account: no enumeration.
    address = accounts.normalise_email(body.email)
    accounts.register(address, body.password, body.display_name, source=call.source)
    return {"email": address, "verificationRequired": True}


@api.route(
    "/auth/verify",
    "POST",
    operation_id="verifyEmail",
    summary="Confirm an e-mail address with the mailed token.",
    body=VerifyEmail,
    response=VerifyEmailResult,
    public=True,
)
def verify(call: Call, body: VerifyEmail) -> dict[str, Any]:
    profile.follow_email_link(body.token)
    return {"verified": True}


@api.route(
    "/auth/email-change/cancel",
    "POST",
    operation_id="cancelEmailChange",
    summary="The old address's \"this wasn't me\" link: cancel (or undo) an address change and "
    "end every session.",
    body=CancelEmailChange,
    response=CancelEmailChangeResult,
    public=True,
)
def cancel_email_change(call: Call, body: CancelEmailChange) -> dict[str, Any]:
    """The web page posts the link's token on a button press, never on load."""
    profile.cancel_email_change_by_link(body.token)
    return {"cancelled": True, "sessionsEnded": True}


@api.route(
    "/auth/resend-verification",
    "POST",
    operation_id="resendVerification",
    summary="Mail the verification link again (same answer whether the account exists or not).",
    body=ResendVerification,
    response=ResendVerificationResult,
    public=True,
    status=202,
)
def resend(call: Call, body: ResendVerification) -> dict[str, Any]:
    accounts.resend_verification(body.email)
    return {"sent": True}


@api.route(
    "/auth/login",
    "POST",
    operation_id="login",
    summary="Start a session.",
    body=Login,
    response=LoginResult,
    public=True,
)
def login(call: Call, body: Login) -> dict[str, Any]:
    session, user = accounts.login(
        body.email, body.password, source=call.source, user_agent=call.user_agent
    )
    return {**session.as_json(), "user": accounts.profile(user)}


@api.route(
    "/auth/refresh",
    "POST",
    operation_id="refresh",
    summary="Rotate a refresh token (reusing an old one revokes the family).",
    body=Refresh,
    response=Session,
    public=True,
)
def refresh(call: Call, body: Refresh) -> dict[str, Any]:
    return accounts.refresh(body.refresh_token).as_json()


@api.route(
    "/auth/logout",
    "POST",
    operation_id="logout",
    summary="End the session of a refresh token.",
    body=Logout,
    public=True,
)
def logout(call: Call, body: Logout) -> Response:
    accounts.logout(body.refresh_token)
    return Response(body="", status_code=204)


@api.route(
    "/auth/password-reset",
    "POST",
    operation_id="requestPasswordReset",
    summary="Mail a reset link (same answer either way).",
    body=RequestPasswordReset,
    response=RequestPasswordResetResult,
    public=True,
    status=202,
)
def password_reset(call: Call, body: RequestPasswordReset) -> dict[str, Any]:
    accounts.request_password_reset(body.email)
    return {"sent": True}


@api.route(
    "/auth/password-reset/confirm",
    "POST",
    operation_id="confirmPasswordReset",
    summary="Set a new password with the mailed token.",
    body=ConfirmPasswordReset,
    response=ConfirmPasswordResetResult,
    public=True,
)
def password_reset_confirm(call: Call, body: ConfirmPasswordReset) -> dict[str, Any]:
    accounts.confirm_password_reset(body.token, body.password)
    return {"reset": True}
