"""Accounts: sign-up with e-mail verification, login sessions, refresh rotation, password reset."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import rate_limiter, tables, timers
from chalicelib.adapters.conditional import update_if
from chalicelib.config import settings
from chalicelib.domain import codes, jobs
from chalicelib.domain.errors import (
    EmailNotVerified,
    Forbidden,
    InvalidCredentials,
    Unauthorized,
    ValidationFailed,
)
from chalicelib.domain.ids import new_id
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import emails, passwords, tokens
from chalicelib.services.notifications import KINDS as NOTIFICATION_KINDS

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
RESET_TTL = 3600
LOGIN_WINDOW = 15 * 60
LOGIN_LIMIT_PER_ACCOUNT = 10
# Per source address: high enough for a household or office behind one NAT; the per-account
# limit is what stops guessing one password.
LOGIN_LIMIT_PER_SOURCE = 200
# Each sign-up costs an argon2 hash and a mail: limited per source like login, and per address
# so that nobody can use us to flood one inbox.
SIGNUP_WINDOW = 3600
SIGNUP_LIMIT_PER_SOURCE = 60
SIGNUP_LIMIT_PER_ADDRESS = 3
# The owner of an address someone tried to sign up with hears about it at most this often.
SIGNUP_NOTICE_INTERVAL = timedelta(hours=24)
# An account whose address is not confirmed within this time is removed (its confirmation
# link stops working at the same moment; web/src/features/auth/SignUpPage.tsx says so too).
UNVERIFIED_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int

    def as_json(self) -> dict[str, Any]:
        return {
            "accessToken": self.access_token,
            "refreshToken": self.refresh_token,
            "expiresIn": self.expires_in,
        }


def normalise_email(value: object) -> str:
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.match(value.strip()):
        raise ValidationFailed("Please enter a valid e-mail address.", field="email")
    return value.strip().lower()


def validate_display_name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 60:
        raise ValidationFailed("A display name must be 1-60 characters.", field="displayName")
    return " ".join(value.split())


def profile(user: tables.UserRecord) -> dict[str, Any]:
    return {
        "userId": user.user_id,
        "email": user.email,
        "pendingEmail": user.pending_email,
        "displayName": user.display_name,
        "friendCode": user.friend_code,
        "timeZone": user.time_zone,
        "findable": user.findable,
        "notifications": {k: bool((user.notifications or {}).get(k)) for k in NOTIFICATION_KINDS},
        "photoCount": int(user.photo_count or 0),
        "createdAt": iso(user.created_at),
    }


def register(
    email: str, password: str, display_name: str, *, source: str
) -> tables.UserRecord | None:
    """Create an unverified account and mail its verification link.

    The caller's answer must not depend on whether the address already has an account (that
    would let anyone test addresses): an existing address gets no new account, its owner a
    mail saying someone tried (at most once a day), and the caller the same answer as a new
    sign-up. The password is hashed in both cases so that the two take the same time. Returns
    the new account, or None when the address was taken.
    """
    address = normalise_email(email)
    name = validate_display_name(display_name)
    secret = passwords.check_strength(password)
    rate_limiter.hit(
        "signup-source",
        source,
        limit=SIGNUP_LIMIT_PER_SOURCE,
        window_seconds=SIGNUP_WINDOW,
        message="Too many sign-ups from here. Please try again in an hour.",
    )
    rate_limiter.hit(
        "signup",
        address,
        limit=SIGNUP_LIMIT_PER_ADDRESS,
        window_seconds=SIGNUP_WINDOW,
        message="Too many sign-ups for this address. Please try again in an hour.",
    )
    password_hash = passwords.hash_password(secret)
    now = utcnow()
    existing = _user_by_email(address)
    if existing is not None:
        _notice_signup_attempt(existing, now)
        return None
    user = tables.UserRecord(
        new_id("usr"),
        email=address,
        display_name=name,
        password_hash=password_hash,
        verified=False,
        created_at=now,
        friend_code=codes.new_code(),
    )
    try:
        with tables.transaction() as tx:
            tx.save(
                tables.UserEmailRecord(address, user_id=user.user_id),
                condition=tables.UserEmailRecord.email.does_not_exist(),
            )
            tx.save(
                tables.FriendCodeRecord(user.friend_code, user_id=user.user_id),
                condition=tables.FriendCodeRecord.code.does_not_exist(),
            )
            tx.save(user, condition=tables.UserRecord.user_id.does_not_exist())
    except tables.TransactWriteError:  # a race for the address (or, once in 10^12, the code)
        raced = _user_by_email(address)
        if raced is not None:
            _notice_signup_attempt(raced, now)
        return None
    timers.schedule(
        jobs.REMOVE_UNVERIFIED_ACCOUNTS,
        now + UNVERIFIED_LIFETIME,
        {"userId": user.user_id},
        now=now,
    )
    _send_verification(user)
    return user


def _notice_signup_attempt(user: tables.UserRecord, now: datetime) -> None:
    """Tell an address's owner that someone tried to sign up with it: at most once a day.

    The conditional write makes "once a day" hold under concurrent attempts too.
    """
    if not update_if(
        user,
        [tables.UserRecord.signup_attempt_mailed_at.set(now)],
        tables.UserRecord.signup_attempt_mailed_at.does_not_exist()
        | (tables.UserRecord.signup_attempt_mailed_at <= now - SIGNUP_NOTICE_INTERVAL),
    ):
        return
    emails.signup_attempt(user.email, user.display_name)


def _send_verification(user: tables.UserRecord) -> None:
    """The confirmation link works as long as the unconfirmed account is kept, and the mail
    says until when; past that the account is due for removal and nothing is sent."""
    deadline = user.created_at + UNVERIFIED_LIFETIME
    ttl = int((deadline - utcnow()).total_seconds())
    if ttl <= 0:
        return
    token = tokens.sign(
        {"sub": user.user_id, "typ": "verify", "email": user.email}, ttl_seconds=ttl
    )
    emails.account_confirmation(user.email, user.display_name, token, deadline=deadline)


def verify_email(token: str) -> None:
    claims = tokens.read_link_token(token, "verify")
    try:
        user = tables.UserRecord.get(claims["sub"])
    except tables.DoesNotExist as err:
        raise ValidationFailed("This link is not valid or has expired.", field="token") from err
    if user.email != claims.get("email"):
        raise ValidationFailed("This link is not valid or has expired.", field="token")
    if not user.verified:
        user.update(actions=[tables.UserRecord.verified.set(True)])


def resend_verification(email: str) -> None:
    """Answers the same whether or not the address exists; rate-limited per address."""
    address = normalise_email(email)
    rate_limiter.hit(
        "resend",
        address,
        limit=3,
        window_seconds=3600,
        message="Too many e-mails asked for. Please try again in an hour.",
    )
    user = _user_by_email(address)
    if user is not None and not user.verified:
        _send_verification(user)


def _user_by_email(address: str) -> tables.UserRecord | None:
    try:
        user_id = tables.UserEmailRecord.get(address).user_id
        return tables.UserRecord.get(user_id)
    except tables.DoesNotExist:
        return None


def login(
    email: str, password: str, *, source: str, user_agent: str | None
) -> tuple[Session, tables.UserRecord]:
    address = normalise_email(email)
    if len(password) > passwords.MAX_LENGTH:
        raise InvalidCredentials("The e-mail address or password is wrong.")
    rate_limiter.hit(
        "login-source",
        source,
        limit=LOGIN_LIMIT_PER_SOURCE,
        window_seconds=LOGIN_WINDOW,
        message="Too many login attempts from here. Please wait a few minutes.",
    )
    rate_limiter.hit(
        "login",
        address,
        limit=LOGIN_LIMIT_PER_ACCOUNT,
        window_seconds=LOGIN_WINDOW,
        message="Too many login attempts for this account. Please wait 15 minutes.",
    )
    user = _user_by_email(address)
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials("The e-mail address or password is wrong.")
    if not user.verified:
        raise EmailNotVerified("Please confirm your e-mail address first: we sent you a link.")
    rate_limiter.reset("login", address, window_seconds=LOGIN_WINDOW)
    _note_browser(user, user_agent)
    return _start_session(user.user_id, user_agent), user


def _note_browser(user: tables.UserRecord, user_agent: str | None) -> None:
    """Mail the owner when an account signs in from a browser it has not used before."""
    seen = list(user.known_browsers or [])
    fingerprint = _hash(user_agent or "unknown")[:16]
    if fingerprint in seen:
        return
    user.update(actions=[tables.UserRecord.known_browsers.set([*seen, fingerprint][-20:])])
    if seen:  # the first browser is the one the account was made with
        emails.new_sign_in(user.email, user.display_name, (user_agent or "unknown browser")[:200])


def password_fingerprint(user: tables.UserRecord) -> str:
    """Changes with the password: binds a mailed link to the password it was sent under."""
    return _hash(user.password_hash)[:16]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _start_session(user_id: str, user_agent: str | None) -> Session:
    now = utcnow()
    expires = now + timedelta(days=settings().refresh_token_days)
    secret = secrets.token_urlsafe(32)
    record = tables.SessionRecord(
        new_id("ses"),
        user_id=user_id,
        token_hash=_hash(secret),
        created_at=now,
        expires_at=expires,
        ttl=int(expires.timestamp()),
        user_agent=(user_agent or "")[:200] or None,
    )
    record.save(condition=tables.SessionRecord.session_id.does_not_exist())
    return Session(
        tokens.access_token(user_id, record.session_id),
        f"{record.session_id}.{secret}",
        settings().access_token_seconds,
    )


def _split_refresh(refresh_token: str) -> tuple[str, str]:
    if refresh_token.count(".") != 1 or len(refresh_token) > 200:
        raise Unauthorized("Your session has ended. Please log in again.")
    session_id, secret = refresh_token.split(".")
    return session_id, secret


def refresh(refresh_token: str) -> Session:
    """Rotate the refresh token. Presenting an already-rotated one revokes the whole family."""
    session_id, secret = _split_refresh(refresh_token)
    ended = Unauthorized("Your session has ended. Please log in again.")
    try:
        record = tables.SessionRecord.get(session_id, consistent_read=True)
    except tables.DoesNotExist as err:
        raise ended from err
    if record.revoked or record.expires_at <= utcnow():
        raise ended
    if not secrets.compare_digest(record.token_hash, _hash(secret)):
        record.update(actions=[tables.SessionRecord.revoked.set(True)])
        raise ended
    new_secret = secrets.token_urlsafe(32)
    if not update_if(
        record,
        [tables.SessionRecord.token_hash.set(_hash(new_secret))],
        (tables.SessionRecord.token_hash == _hash(secret))
        & (tables.SessionRecord.revoked == False),  # noqa: E712
    ):
        raise ended  # a concurrent refresh won: this token is now a reused one
    return Session(
        tokens.access_token(record.user_id, session_id),
        f"{session_id}.{new_secret}",
        settings().access_token_seconds,
    )


def logout(refresh_token: str) -> None:
    session_id, secret = _split_refresh(refresh_token)
    try:
        record = tables.SessionRecord.get(session_id)
    except tables.DoesNotExist:
        return
    if secrets.compare_digest(record.token_hash, _hash(secret)):
        record.delete()


def end_sessions(user_id: str) -> int:
    """Revoke every refresh family of a user; access tokens die through tokens_valid_after."""
    ended = 0
    for record in tables.SessionRecord.by_user.query(user_id):
        record.delete()
        ended += 1
    return ended


def authenticate(access_token: str) -> str:
    """The user id for a valid access token of a live session of an existing account.

    Logging out deletes the session, a password change or reset bumps ``tokens_valid_after``:
    either ends the access token here, at once (API Gateway caches this answer for at most the
    authorizer's 60 s TTL: the bound docs/security.md states).
    """
    claims = tokens.read_access_token(access_token)
    ended = Unauthorized("Your session has ended. Please log in again.")
    try:
        user = tables.UserRecord.get(claims["sub"])
        session = tables.SessionRecord.get(str(claims.get("sid")))
    except tables.DoesNotExist as err:
        raise ended from err
    if claims["iat"] < user.tokens_valid_after or session.user_id != user.user_id:
        raise ended
    if session.revoked or session.expires_at <= utcnow():
        raise ended
    return user.user_id


def request_password_reset(email: str) -> None:
    """Same answer whether or not the address has an account."""
    address = normalise_email(email)
    rate_limiter.hit(
        "reset",
        address,
        limit=5,
        window_seconds=3600,
        message="Too many reset e-mails asked for. Please try again in an hour.",
    )
    user = _user_by_email(address)
    if user is None:
        return
    token = tokens.sign(
        {"sub": user.user_id, "typ": "reset", "pwf": password_fingerprint(user)},
        ttl_seconds=RESET_TTL,
    )
    emails.password_reset(user.email, user.display_name, token)


def confirm_password_reset(token: str, password: str) -> None:
    claims = tokens.read_link_token(token, "reset")
    new_password = passwords.check_strength(password)
    try:
        user = tables.UserRecord.get(claims["sub"], consistent_read=True)
    except tables.DoesNotExist as err:
        raise ValidationFailed("This link is not valid or has expired.", field="token") from err
    # The fingerprint of the old hash makes the link single-use: any password change kills it.
    if claims.get("pwf") != password_fingerprint(user):
        raise ValidationFailed("This link has already been used.", field="token")
    _set_password(user, new_password)
    if not user.verified:  # following a mailed link proves the address
        user.update(actions=[tables.UserRecord.verified.set(True)])


def change_password(user_id: str, current: str, new: str, *, user_agent: str | None) -> Session:
    """Set a new password, end every session, and start a fresh one for the caller."""
    user = tables.UserRecord.get(user_id, consistent_read=True)
    if not passwords.verify(user.password_hash, current):
        raise Forbidden("The current password is wrong.", field="currentPassword")
    _set_password(user, passwords.check_strength(new, field="newPassword"))
    return _start_session(user_id, user_agent)


def _set_password(user: tables.UserRecord, password: str) -> None:
    """New password, every session ended, and any pending address change cancelled.

    Whoever asked for the change may have done it with a session this password change is
    meant to end; the new address's link is bound to the old password and dies with it too.
    """
    user.update(
        actions=[
            tables.UserRecord.password_hash.set(passwords.hash_password(password)),
            tables.UserRecord.tokens_valid_after.set(int(time.time())),
            tables.UserRecord.pending_email.remove(),
        ]
    )
    end_sessions(user.user_id)
    emails.password_changed(user.email, user.display_name)
