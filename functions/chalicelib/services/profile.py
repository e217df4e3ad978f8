"""The signed-in user's own account: profile, e-mail change, password, deletion, export."""

from __future__ import annotations

import hashlib
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import rate_limiter
from chalicelib.adapters.tables import UserEmailRecord, UserRecord
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.frame_settings import validate_time_zone
from chalicelib.services import account_deletion, accounts, emails, passwords, tokens
from chalicelib.services.notifications import KINDS

EMAIL_CHANGE_TTL = 48 * 3600


def get(user_id: str) -> UserRecord:
    return UserRecord.get(user_id)


def update(user_id: str, changes: dict[str, Any]) -> UserRecord:
    user = get(user_id)
    unknown = sorted(
        set(changes) - {"displayName", "findable", "timeZone", "notifications", "email"}
    )
    if unknown:
        raise ValidationFailed(f"Unknown field: {unknown[0]}.", field=unknown[0])
    actions: list[Action] = []
    if "displayName" in changes:
        actions.append(
            UserRecord.display_name.set(accounts.validate_display_name(changes["displayName"]))
        )
    if "findable" in changes:
        if not isinstance(changes["findable"], bool):
            raise ValidationFailed("findable must be true or false.", field="findable")
        actions.append(UserRecord.findable.set(changes["findable"]))
    if "timeZone" in changes:
        actions.append(UserRecord.time_zone.set(validate_time_zone(changes["timeZone"])))
    if "notifications" in changes:
        wanted = changes["notifications"]
        if (
            not isinstance(wanted, dict)
            or set(wanted) - set(KINDS)
            or not all(isinstance(v, bool) for v in wanted.values())
        ):
            raise ValidationFailed(
                f"notifications maps {', '.join(KINDS)} to true or false.", field="notifications"
            )
        actions.append(UserRecord.notifications.set({**(user.notifications or {}), **wanted}))
    if "email" in changes:
        address = accounts.normalise_email(changes["email"])
        if address != user.email:
            _start_email_change(user, address)
            actions.append(UserRecord.pending_email.set(address))
    if actions:
        user.update(actions=actions)
    return user


def _start_email_change(user: UserRecord, address: str) -> None:
    rate_limiter.hit(
        "email-change",
        user.user_id,
        limit=5,
        window_seconds=3600,
        message="Too many address changes. Please try again in an hour.",
    )
    try:
        UserEmailRecord.get(address)
    except DoesNotExist:
        token = tokens.sign(
            {"sub": user.user_id, "typ": "email_change", "email": address},
            ttl_seconds=EMAIL_CHANGE_TTL,
        )
        emails.verification(address, user.display_name, token)
        return
    raise Conflict("An account with this e-mail address already exists.", field="email")


def follow_email_link(token: object) -> None:
    """The web app's /verify page: confirms a new account's address or an address change."""
    if tokens.link_purpose(token) == "email_change":
        confirm_email_change(token)
    else:
        accounts.verify_email(token)


def confirm_email_change(token: object) -> None:
    """Follow the link sent to the new address: the account moves to it atomically."""
    claims = tokens.read_link_token(token, "email_change")
    try:
        user = UserRecord.get(claims["sub"], consistent_read=True)
    except DoesNotExist as err:
        raise ValidationFailed("This link is not valid or has expired.", field="token") from err
    new, old = claims["email"], user.email
    if user.pending_email != new:
        raise ValidationFailed("This link is not valid or has expired.", field="token")
    try:
        with TransactWrite(connection=Connection()) as tx:
            tx.save(
                UserEmailRecord(new, user_id=user.user_id),
                condition=UserEmailRecord.email.does_not_exist(),
            )
            tx.delete(UserEmailRecord(old), condition=UserEmailRecord.user_id == user.user_id)
            tx.update(
                user,
                actions=[UserRecord.email.set(new), UserRecord.pending_email.remove()],
                condition=UserRecord.pending_email == new,
            )
    except TransactWriteError as err:
        raise Conflict("This address is already taken.", field="token") from err
    emails.email_changed(old, user.display_name, new)


def delete(user_id: str, password: object) -> None:
    user = get(user_id)
    if not isinstance(password, str) or not passwords.verify(user.password_hash, password):
        raise Forbidden("The password is wrong.", field="password")
    account_deletion.start(user_id)


def browser_fingerprint(user_agent: str | None) -> str:
    return hashlib.sha256((user_agent or "unknown").encode()).hexdigest()[:16]
