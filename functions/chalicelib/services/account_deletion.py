"""Deleting an account for real, everywhere, and finishing it if a run is interrupted.

Order matters: first the account stops working (tokens, sessions), then what others can see
(frames, shares, friendships), then the library and files, and the user record last, so a
half-done deletion still has what it needs to be finished by the ``finish_account_deletions``
job. Every step is idempotent.
"""

from __future__ import annotations

import logging
import time

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters import media_store, timers
from chalicelib.adapters.tables import (
    ActivityRecord,
    DeliveryRecord,
    FriendCodeRecord,
    FriendshipRecord,
    ImageRecord,
    ShareRecord,
    UserEmailRecord,
    UserRecord,
)
from chalicelib.domain.timefmt import utcnow
from chalicelib.services import accounts, frames, friends, sharing

log = logging.getLogger(__name__)
JOB = "finish_account_deletions"
USER_PREFIXES = ("originals", "derived", "renditions", "exports")


def start(user_id: str) -> None:
    """Record the intent (so the job finishes it), then delete."""
    now = utcnow()
    timers.schedule(JOB, now, {"userId": user_id}, now=now)
    UserRecord(user_id).update(actions=[UserRecord.tokens_valid_after.set(int(time.time()) + 1)])
    run(user_id)
    timers.cancel(JOB, now, {"userId": user_id}, now=now)


def run(user_id: str) -> bool:
    """Delete everything of ``user_id``; True when anything was left to delete."""
    try:
        user: UserRecord | None = UserRecord.get(user_id, consistent_read=True)
    except DoesNotExist:
        user = None
    accounts.end_sessions(user_id)
    for frame in frames.of_owner(user_id):
        frames.unpair_frame(frame)
    now = utcnow()
    for share in ShareRecord.by_sender.query(user_id):
        for frame_id in share.frame_ids:
            sharing.leave_frame(frame_id, share.share_id, "removed", now=now)
            DeliveryRecord(frame_id, share.share_id).delete()
        share.delete()
    for side in FriendshipRecord.query(user_id):
        FriendshipRecord(side.other_id, user_id).delete()
        if side.state in ("incoming", "outgoing"):
            due = side.created_at + friends.REQUEST_LIFETIME
            pair = (
                {"to": user_id, "from": side.other_id}
                if side.state == "incoming"
                else {"to": side.other_id, "from": user_id}
            )
            timers.cancel(friends.STALE_REQUEST_JOB, due, pair, now=now)
        side.delete()
    with ImageRecord.batch_write() as batch:
        for image in ImageRecord.query(user_id):
            batch.delete(image)
    for prefix in USER_PREFIXES:
        media_store.delete_prefix(f"{prefix}/{user_id}/")
    with ActivityRecord.batch_write() as batch:
        for item in ActivityRecord.query(user_id):
            batch.delete(item)
    if user is None:
        return False
    timers.cancel(
        accounts.UNVERIFIED_JOB,
        user.created_at + accounts.UNVERIFIED_LIFETIME,
        {"userId": user_id},
        now=now,
    )
    for address in (user.email, user.pending_email):
        if _owns(address, user_id):
            UserEmailRecord(address).delete()
    if user.friend_code:
        FriendCodeRecord(user.friend_code).delete()
    user.delete()
    log.info("account deleted", extra={"userId": user_id})
    return True


def _owns(address: str | None, user_id: str) -> bool:
    if address is None:
        return False
    try:
        return UserEmailRecord.get(address).user_id == user_id
    except DoesNotExist:
        return False
