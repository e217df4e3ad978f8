"""Friends: codes, requests, acceptance, removal and blocking.

A relation is stored twice, once per side (``FriendshipRecord``), and both sides are always
written in one transaction, so each user lists their own side with one query.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import rate_limiter, timers
from chalicelib.adapters.tables import (
    FriendCodeRecord,
    FriendshipRecord,
    UserEmailRecord,
    UserRecord,
)
from chalicelib.api.models.friends import SendFriendRequest
from chalicelib.config import settings
from chalicelib.domain import codes, jobs
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.ids import is_id
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import accounts, activity, notifications

log = logging.getLogger(__name__)
REQUEST_LIFETIME = timedelta(days=30)


def are_friends(user_id: str, other_id: str) -> bool:
    if user_id == other_id:
        return False
    try:
        return FriendshipRecord.get(user_id, other_id).state == "friends"
    except DoesNotExist:
        return False


def friend_ids(user_id: str) -> list[str]:
    return [
        r.other_id
        for r in FriendshipRecord.query(
            user_id, filter_condition=FriendshipRecord.state == "friends"
        )
    ]


def invite_link(code: str) -> str:
    return f"{settings().web_url}/friends/add?code={code}"


def _side(user_id: str, other_id: str) -> FriendshipRecord | None:
    try:
        return FriendshipRecord.get(user_id, other_id, consistent_read=True)
    except DoesNotExist:
        return None


def _user(user_id: str) -> UserRecord:
    return UserRecord.get(user_id)


def send_request(user_id: str, command: SendFriendRequest) -> dict[str, Any]:
    """Ask someone to be friends, by their friend code or by their exact e-mail address.

    A friend code always works (whoever has it was given it); an address finds only people
    who allow it, and "not found" looks the same either way, so addresses cannot be probed.
    """
    friend_code, email = command.friend_code, command.email
    by_email = email is not None and friend_code is None
    field = "email" if by_email else "friendCode"
    nobody = NotFound(
        "No one who can be found by this address uses Shareframe."
        if by_email
        else "No one with this friend code can be found.",
        field=field,
    )
    code = codes.normalise_code(friend_code) if friend_code is not None else None
    address = accounts.normalise_email(email) if by_email else None
    if not by_email and code is None:
        raise ValidationFailed("A friend code looks like ABCD-EFGH.", field="friendCode")
    rate_limiter.hit(
        "friend-request",
        user_id,
        limit=30,
        window_seconds=3600,
        message="Too many friend requests. Please try again in an hour.",
    )
    try:
        other_id = (
            UserEmailRecord.get(address).user_id
            if address is not None
            else FriendCodeRecord.get(code).user_id
        )
        other = _user(other_id)
        me = _user(user_id)
    except DoesNotExist as err:
        raise nobody from err
    if other_id == user_id:
        raise ValidationFailed(
            "This is your own address." if by_email else "This is your own friend code.",
            field=field,
        )
    mine, theirs = _side(user_id, other_id), _side(other_id, user_id)
    if theirs is not None and theirs.state == "blocked":
        raise nobody  # a blocked user learns nothing
    if by_email and not other.findable and (theirs is None or theirs.state != "outgoing"):
        raise nobody
    if mine is not None and mine.state == "friends":
        raise Conflict("You are already friends.", field="friendCode")
    if mine is not None and mine.state == "outgoing":
        raise Conflict("You have already sent a request to this person.", field="friendCode")
    if mine is not None and mine.state == "incoming":
        accept(user_id, other_id)  # they asked first: a request back means yes
        return {"userId": other_id, "displayName": other.display_name, "state": "friends"}
    now = utcnow()
    with TransactWrite(connection=Connection()) as tx:
        tx.save(
            FriendshipRecord(
                user_id, other_id, state="outgoing", other_name=other.display_name, created_at=now
            )
        )
        tx.save(
            FriendshipRecord(
                other_id, user_id, state="incoming", other_name=me.display_name, created_at=now
            )
        )
    timers.schedule(
        jobs.REJECT_STALE_REQUESTS,
        now + REQUEST_LIFETIME,
        {"to": other_id, "from": user_id},
        now=now,
    )
    activity.record(other_id, "friend_request", now, userId=user_id, displayName=me.display_name)
    notifications.friend_request(other, me.display_name)
    return {"userId": other_id, "displayName": other.display_name, "state": "outgoing"}


def _transition(user_id: str, other_id: str, expect: str, then: str | None) -> None:
    """Move both sides from a pending request to ``then`` (None deletes both)."""
    opposite = {"incoming": "outgoing", "outgoing": "incoming"}[expect]
    if not is_id(other_id, "usr"):
        raise NotFound("There is no such request.")
    mine, theirs = _side(user_id, other_id), _side(other_id, user_id)
    if mine is None or mine.state != expect or theirs is None or theirs.state != opposite:
        raise NotFound("There is no such request.")
    try:
        with TransactWrite(connection=Connection()) as tx:
            for side, state in ((mine, expect), (theirs, opposite)):
                condition = FriendshipRecord.state == state
                if then is None:
                    tx.delete(side, condition=condition)
                else:
                    tx.update(
                        side,
                        actions=[
                            FriendshipRecord.state.set(then),
                            FriendshipRecord.created_at.set(utcnow()),
                        ],
                        condition=condition,
                    )
    except TransactWriteError as err:
        raise Conflict("This request has just changed. Please reload.") from err
    recipient, sender = (user_id, other_id) if expect == "incoming" else (other_id, user_id)
    cancel_stale_timer(recipient, sender, mine.created_at)


def cancel_stale_timer(recipient_id: str, sender_id: str, requested_at: datetime) -> None:
    """A request that was answered needs no rejecting in 30 days."""
    timers.cancel(
        jobs.REJECT_STALE_REQUESTS,
        requested_at + REQUEST_LIFETIME,
        {"to": recipient_id, "from": sender_id},
        now=utcnow(),
    )


def accept(user_id: str, other_id: str) -> None:
    _transition(user_id, other_id, "incoming", "friends")
    now = utcnow()
    me = _user(user_id)
    activity.record(other_id, "friend_accepted", now, userId=user_id, displayName=me.display_name)


def reject(user_id: str, other_id: str) -> None:
    _transition(user_id, other_id, "incoming", None)


def cancel(user_id: str, other_id: str) -> None:
    _transition(user_id, other_id, "outgoing", None)


def remove(user_id: str, other_id: str) -> None:
    """Both lose access to each other's frames at once; photos already sent stay until expiry."""
    mine, theirs = _side(user_id, other_id), _side(other_id, user_id)
    if mine is None or mine.state != "friends":
        raise NotFound("You are not friends with this person.")
    with TransactWrite(connection=Connection()) as tx:
        tx.delete(mine)
        if theirs is not None and theirs.state == "friends":
            tx.delete(theirs)


def block(user_id: str, other_id: str) -> None:
    if other_id == user_id or not is_id(other_id, "usr"):
        raise ValidationFailed("You cannot block this user.", field="userId")
    try:
        other = _user(other_id)
    except DoesNotExist as err:
        raise NotFound("This user does not exist.", field="userId") from err
    theirs = _side(other_id, user_id)
    with TransactWrite(connection=Connection()) as tx:
        tx.save(
            FriendshipRecord(
                user_id,
                other_id,
                state="blocked",
                other_name=other.display_name,
                created_at=utcnow(),
            )
        )
        if theirs is not None and theirs.state != "blocked":
            tx.delete(theirs)


def unblock(user_id: str, other_id: str) -> None:
    mine = _side(user_id, other_id)
    if mine is None or mine.state != "blocked":
        raise NotFound("This user is not blocked.")
    mine.delete(condition=FriendshipRecord.state == "blocked")


def listing(user_id: str, state: str) -> list[dict[str, Any]]:
    return [
        {"userId": r.other_id, "displayName": r.other_name, "since": iso(r.created_at)}
        for r in FriendshipRecord.query(user_id, filter_condition=FriendshipRecord.state == state)
    ]


def reject_stale(recipient_id: str, sender_id: str) -> bool:
    """Job: a request still pending after 30 days is rejected. True when it changed something."""
    mine = _side(recipient_id, sender_id)
    if mine is None or mine.state != "incoming" or utcnow() - mine.created_at < REQUEST_LIFETIME:
        return False
    try:
        reject(recipient_id, sender_id)
    except (NotFound, Conflict):
        return False
    return True
