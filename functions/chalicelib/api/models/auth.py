"""Sign-up, e-mail verification, login sessions and password reset: bodies and answers."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.api.models.common import Model
from chalicelib.api.models.me import Profile


class Session(Model, frozen=True, kw_only=True):
    access_token: str
    refresh_token: str
    expires_in: Annotated[int, Meta(ge=1)]


class Register(Model, frozen=True, kw_only=True):
    email: Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})]
    password: Annotated[str, Meta(min_length=10, max_length=128)]
    display_name: Annotated[str, Meta(min_length=1, max_length=60)]


class RegisterResult(Model, frozen=True, kw_only=True):
    email: str
    verification_required: Literal[True]


class VerifyEmail(Model, frozen=True, kw_only=True):
    token: Annotated[str, Meta(max_length=4096)]


class VerifyEmailResult(Model, frozen=True, kw_only=True):
    verified: bool


class CancelEmailChange(Model, frozen=True, kw_only=True):
    token: Annotated[str, Meta(max_length=4096)]


class CancelEmailChangeResult(Model, frozen=True, kw_only=True):
    cancelled: bool
    sessions_ended: bool


class ResendVerification(Model, frozen=True, kw_only=True):
    email: Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})]


class ResendVerificationResult(Model, frozen=True, kw_only=True):
    sent: bool


class Login(Model, frozen=True, kw_only=True):
    email: Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})]
    password: Annotated[str, Meta(max_length=128)]


class Refresh(Model, frozen=True, kw_only=True):
    refresh_token: Annotated[str, Meta(max_length=4096)]


class Logout(Model, frozen=True, kw_only=True):
    refresh_token: Annotated[str, Meta(max_length=4096)]


class RequestPasswordReset(Model, frozen=True, kw_only=True):
    email: Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})]


class RequestPasswordResetResult(Model, frozen=True, kw_only=True):
    sent: bool


class ConfirmPasswordReset(Model, frozen=True, kw_only=True):
    token: Annotated[str, Meta(max_length=4096)]
    password: Annotated[str, Meta(min_length=10, max_length=128)]


class ConfirmPasswordResetResult(Model, frozen=True, kw_only=True):
    reset: bool


class LoginResult(Session, frozen=True, kw_only=True):
    user: Profile
