"""Friends: codes, requests, acceptance, removal and blocking.

A relation is stored twice, once per side, and the friendships repository always writes both
sides together, so each user lists their own side with one query.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from chalicelib.api.models.friends import SendFriendRequest
from chalicelib.domain import codes, jobs
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.ids import is_id
from chalicelib.domain.timefmt import iso
from chalicelib.services import accounts, notifications
from chalicelib.services.ports import Deps

log = logging.getLogger(__name__)
REQUEST_LIFETIME = timedelta(days=30)
REQUESTS_PER_HOUR = 30


def are_friends(deps: Deps, user_id: str, other_id: str) -> bool:
    if user_id == other_id:
        return False
    side = deps.friendships.get(user_id, other_id)
    return side is not None and side.state == "friends"


def friend_ids(deps: Deps, user_id: str) -> list[str]:
    return deps.friendships.friend_ids(user_id)


def send_request(deps: Deps, user_id: str, command: SendFriendRequest) -> dict[str, Any]:
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
    deps.rate_limiter.hit(
        "friend-request",
        user_id,
        limit=REQUESTS_PER_HOUR,
        window_seconds=3600,
        message="Too many friend requests. Please try again in an hour.",
    )
    if address is not None:
        other_id = deps.users.id_by_email(address)
    else:
        assert code is not None
        other_id = deps.users.id_by_friend_code(code)
    other = deps.users.get(other_id) if other_id is not None else None
    me = deps.users.get(user_id)
    if other is None or me is None:
        raise nobody
    if other.user_id == user_id:
        raise ValidationFailed(
            "This is your own address." if by_email else "This is your own friend code.",
            field=field,
        )
    mine = deps.friendships.get(user_id, other.user_id)
    theirs = deps.friendships.get(other.user_id, user_id)
    if theirs is not None and theirs.state == "blocked":
        raise nobody  # a blocked user learns nothing
    if by_email and not other.findable and (theirs is None or theirs.state != "outgoing"):
        raise nobody
    if mine is not None and mine.state == "friends":
        raise Conflict("You are already friends.", field="friendCode")
    if mine is not None and mine.state == "outgoing":
        raise Conflict("You have already sent a request to this person.", field="friendCode")
    if mine is not None and mine.state == "incoming":
        accept(deps, user_id, other.user_id)  # they asked first: a request back means yes
        return {"userId": other.user_id, "displayName": other.display_name, "state": "friends"}
    now = deps.clock()
    deps.friendships.request(me, other, now)
    deps.timers.schedule(
        jobs.REJECT_STALE_REQUESTS,
        now + REQUEST_LIFETIME,
        {"to": other.user_id, "from": user_id},
        now=now,
    )
    deps.activity.record(
        other.user_id, "friend_request", now, userId=user_id, displayName=me.display_name
    )
    notifications.friend_request(deps.mailer, deps.settings, other, me.display_name)
    return {"userId": other.user_id, "displayName": other.display_name, "state": "outgoing"}


def _transition(deps: Deps, user_id: str, other_id: str, expect: str, then: str | None) -> None:
    """Move both sides from a pending request to ``then`` (None deletes both)."""
    opposite = {"incoming": "outgoing", "outgoing": "incoming"}[expect]
    if not is_id(other_id, "usr"):
        raise NotFound("There is no such request.")
    mine = deps.friendships.get(user_id, other_id)
    theirs = deps.friendships.get(other_id, user_id)
    if mine is None or mine.state != expect or theirs is None or theirs.state != opposite:
        raise NotFound("There is no such request.")
    if not deps.friendships.settle(user_id, other_id, expect, then, deps.clock()):
        raise Conflict("This request has just changed. Please reload.")
    recipient, sender = (user_id, other_id) if expect == "incoming" else (other_id, user_id)
    cancel_stale_timer(deps, recipient, sender, mine.created_at)


def cancel_stale_timer(
    deps: Deps, recipient_id: str, sender_id: str, requested_at: datetime
) -> None:
    """A request that was answered needs no rejecting in 30 days."""
    deps.timers.cancel(
        jobs.REJECT_STALE_REQUESTS,
        requested_at + REQUEST_LIFETIME,
        {"to": recipient_id, "from": sender_id},
        now=deps.clock(),
    )


def accept(deps: Deps, user_id: str, other_id: str) -> None:
    _transition(deps, user_id, other_id, "incoming", "friends")
    me = deps.users.get(user_id)
    name = me.display_name if me is not None else ""
    deps.activity.record(
        other_id, "friend_accepted", deps.clock(), userId=user_id, displayName=name
    )


def reject(deps: Deps, user_id: str, other_id: str) -> None:
    _transition(deps, user_id, other_id, "incoming", None)


def cancel(deps: Deps, user_id: str, other_id: str) -> None:
    _transition(deps, user_id, other_id, "outgoing", None)


def remove(deps: Deps, user_id: str, other_id: str) -> None:
    """Both lose access to each other's frames at once; photos already sent stay until expiry."""
    mine = deps.friendships.get(user_id, other_id)
    if mine is None or mine.state != "friends":
        raise NotFound("You are not friends with this person.")
    deps.friendships.unfriend(user_id, other_id)


def block(deps: Deps, user_id: str, other_id: str) -> None:
    if other_id == user_id or not is_id(other_id, "usr"):
        raise ValidationFailed("You cannot block this user.", field="userId")
    other = deps.users.get(other_id)
    if other is None:
        raise NotFound("This user does not exist.", field="userId")
    deps.friendships.block(user_id, other, deps.clock())


def unblock(deps: Deps, user_id: str, other_id: str) -> None:
    if not deps.friendships.unblock(user_id, other_id):
        raise NotFound("This user is not blocked.")


def listing(deps: Deps, user_id: str, state: str) -> list[dict[str, Any]]:
    return [
        {"userId": r.other_id, "displayName": r.other_name, "since": iso(r.created_at)}
        for r in deps.friendships.of_state(user_id, state)
    ]


def reject_stale(deps: Deps, recipient_id: str, sender_id: str) -> bool:
    """Job: a request still pending after 30 days is rejected. True when it changed something."""
    mine = deps.friendships.get(recipient_id, sender_id)
    if (
        mine is None
        or mine.state != "incoming"
        or deps.clock() - mine.created_at < REQUEST_LIFETIME
    ):
        return False
    try:
        reject(deps, recipient_id, sender_id)
    except (NotFound, Conflict):
        return False
    return True
