"""The signed-in user's own account: profile, e-mail change, password, deletion, export."""

from __future__ import annotations

import hashlib
import time

import msgspec
from msgspec import UNSET
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.adapters import rate_limiter, tables
from chalicelib.api.models.me import UpdateMe
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.frame_settings import validate_time_zone
from chalicelib.services import account_deletion, accounts, emails, passwords, tokens

EMAIL_CHANGE_TTL = 48 * 3600
# The "this wasn't me" link outlives the confirmation link, so that a change an attacker
# confirmed can still be undone by the owner of the old address.
EMAIL_CHANGE_CANCEL_TTL = 7 * 24 * 3600


def get(user_id: str) -> tables.UserRecord:
    return tables.UserRecord.get(user_id)


def update(user_id: str, command: UpdateMe) -> tables.UserRecord:
    """Change profile fields; a field the client left out stays as it is."""
    user = get(user_id)
    actions: list[Action] = []
    if command.display_name is not UNSET:
        name = accounts.validate_display_name(command.display_name)
        actions.append(tables.UserRecord.display_name.set(name))
    if command.findable is not UNSET:
        actions.append(tables.UserRecord.findable.set(command.findable))
    if command.time_zone is not UNSET:
        actions.append(tables.UserRecord.time_zone.set(validate_time_zone(command.time_zone)))
    if command.notifications is not UNSET:
        wanted = msgspec.to_builtins(command.notifications)  # only the kinds sent, camelCase
        actions.append(
            tables.UserRecord.notifications.set({**(user.notifications or {}), **wanted})
        )
    if command.email is not UNSET:
        address = accounts.normalise_email(command.email)
        if address != user.email:
            password = command.current_password
            _start_email_change(user, address, None if password is UNSET else password)
            actions.append(tables.UserRecord.pending_email.set(address))
    if actions:
        user.update(actions=actions)
    return user


def _start_email_change(
    user: tables.UserRecord, address: str, current_password: str | None
) -> None:
    """Ask the new address to confirm and tell the old one how to stop it.

    Moving the account to another address hands over every password reset, so a stolen access
    token must not be enough: the current password is required. The confirmation link is bound
    to the address it is sent to and to the password as it is now, so a password change or
    reset kills it.
    """
    rate_limiter.hit(
        "email-change",
        user.user_id,
        limit=5,
        window_seconds=3600,
        message="Too many address changes. Please try again in an hour.",
    )
    if not current_password:
        raise ValidationFailed(
            "Enter your current password to change the address.", field="currentPassword"
        )
    if not passwords.verify(user.password_hash, current_password):
        raise Forbidden("The current password is wrong.", field="currentPassword")
    try:
        tables.UserEmailRecord.get(address)
    except tables.DoesNotExist:
        confirm = tokens.sign(
            {
                "sub": user.user_id,
                "typ": "email_change",
                "email": address,
                "pwf": accounts.password_fingerprint(user),
            },
            ttl_seconds=EMAIL_CHANGE_TTL,
        )
        emails.verification(address, user.display_name, confirm)
        cancel = tokens.sign(
            {
                "sub": user.user_id,
                "typ": "email_change_cancel",
                "email": address,
                "from": user.email,
            },
            ttl_seconds=EMAIL_CHANGE_CANCEL_TTL,
        )
        emails.email_change_requested(user.email, user.display_name, address, cancel)
        return
    raise Conflict("An account with this e-mail address already exists.", field="email")


def cancel_pending_email(user_id: str) -> tables.UserRecord:
    """The signed-in owner withdraws an address change that is not confirmed yet."""
    user = get(user_id)
    if user.pending_email is not None:
        user.update(actions=[tables.UserRecord.pending_email.remove()])
    return user


def follow_email_link(token: str) -> None:
    """The web app's /verify page: confirms a new account's address or an address change."""
    if tokens.link_purpose(token) == "email_change":
        confirm_email_change(token)
    else:
        accounts.verify_email(token)


def confirm_email_change(token: str) -> None:
    """Follow the link sent to the new address: the account moves to it atomically."""
    claims = tokens.read_link_token(token, "email_change")
    invalid = ValidationFailed("This link is not valid or has expired.", field="token")
    try:
        user = tables.UserRecord.get(claims["sub"], consistent_read=True)
    except tables.DoesNotExist as err:
        raise invalid from err
    new, old = claims["email"], user.email
    if user.pending_email != new or claims.get("pwf") != accounts.password_fingerprint(user):
        raise invalid
    try:
        _move_address(
            user,
            old,
            new,
            condition=(tables.UserRecord.pending_email == new)
            & (tables.UserRecord.password_hash == user.password_hash),
        )
    except tables.TransactWriteError as err:
        raise Conflict("This address is already taken.", field="token") from err
    emails.email_changed(old, user.display_name, new)


def cancel_email_change_by_link(token: str) -> None:
    """The old address's "this wasn't me" link: stop the change and end every session.

    A change still pending is dropped. One already confirmed (the attacker was quick) is undone:
    the account moves back to the address the link was sent to, if nobody took it since. Either
    way every refresh token is revoked and every access token dies at the authorizer.
    """
    claims = tokens.read_link_token(token, "email_change_cancel")
    invalid = ValidationFailed("This link is not valid or has expired.", field="token")
    try:
        user = tables.UserRecord.get(claims["sub"], consistent_read=True)
    except tables.DoesNotExist as err:
        raise invalid from err
    new, old = claims["email"], claims.get("from")
    if not isinstance(old, str):
        raise invalid
    ended = tables.UserRecord.tokens_valid_after.set(int(time.time()))
    if user.email == new and old != new:
        try:
            _move_address(user, new, old, condition=tables.UserRecord.email == new, also=[ended])
        except tables.TransactWriteError as err:
            raise Conflict(
                "The account could not be moved back: that address is in use.", field="token"
            ) from err
    elif user.pending_email == new:
        user.update(actions=[tables.UserRecord.pending_email.remove(), ended])
    else:
        user.update(actions=[ended])
    accounts.end_sessions(user.user_id)


def _move_address(
    user: tables.UserRecord,
    old: str,
    new: str,
    *,
    condition: Condition,
    also: list[Action] | None = None,
) -> None:
    """Move the account from ``old`` to ``new`` in one transaction: the new address is claimed
    only if free, the old one released only if still this account's; TransactWriteError if not."""
    with tables.transaction() as tx:
        tx.save(
            tables.UserEmailRecord(new, user_id=user.user_id),
            condition=tables.UserEmailRecord.email.does_not_exist(),
        )
        tx.delete(
            tables.UserEmailRecord(old), condition=tables.UserEmailRecord.user_id == user.user_id
        )
        tx.update(
            user,
            actions=[
                tables.UserRecord.email.set(new),
                tables.UserRecord.pending_email.remove(),
                *(also or []),
            ],
            condition=condition,
        )


def delete(user_id: str, password: str) -> None:
    user = get(user_id)
    if not passwords.verify(user.password_hash, password):
        raise Forbidden("The password is wrong.", field="password")
    account_deletion.start(user_id)


def browser_fingerprint(user_agent: str | None) -> str:
    return hashlib.sha256((user_agent or "unknown").encode()).hexdigest()[:16]
