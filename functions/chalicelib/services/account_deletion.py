"""Deleting an account for real, everywhere, and finishing it if a run is interrupted.

Order matters: first the account stops working (tokens, sessions), then what others can see
(frames, shares, friendships), then the library and files, and the user record last, so a
half-done deletion still has what it needs to be finished by the ``finish_account_deletions``
job. Every step is idempotent.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress

from chalicelib import bootstrap
from chalicelib.adapters import media_store, tables, timers
from chalicelib.domain import jobs
from chalicelib.domain.timefmt import utcnow
from chalicelib.services import accounts, activity, frames, friends, images, sharing

log = logging.getLogger(__name__)
USER_PREFIXES = ("originals", "derived", "renditions", "exports")


def start(user_id: str) -> None:
    """Record the intent (so the job finishes it), then delete."""
    now = utcnow()
    timers.schedule(jobs.FINISH_ACCOUNT_DELETIONS, now, {"userId": user_id}, now=now)
    tables.UserRecord(user_id).update(
        actions=[tables.UserRecord.tokens_valid_after.set(int(time.time()) + 1)]
    )
    run(user_id)
    timers.cancel(jobs.FINISH_ACCOUNT_DELETIONS, now, {"userId": user_id}, now=now)


def run(user_id: str) -> bool:
    """Delete everything of ``user_id``; True when anything was left to delete."""
    try:
        user: tables.UserRecord | None = tables.UserRecord.get(user_id, consistent_read=True)
    except tables.DoesNotExist:
        user = None
    accounts.end_sessions(user_id)
    for frame in frames.of_owner(user_id):
        frames.unpair_frame(frame)
    now = utcnow()
    counterparts: set[str] = set()
    for share in tables.ShareRecord.by_sender.query(user_id):
        for frame_id in share.frame_ids:
            sharing.leave_frame(bootstrap.deps(), frame_id, share.share_id, "removed")
            with suppress(tables.DoesNotExist):
                counterparts.add(tables.DeliveryRecord.get(frame_id, share.share_id).frame_owner_id)
            tables.DeliveryRecord(frame_id, share.share_id).delete()
        if share.expires_at is not None:
            timers.cancel(
                jobs.EXPIRE_SHARES, share.expires_at, {"shareId": share.share_id}, now=now
            )
        share.delete()
    for side in tables.FriendshipRecord.query(user_id):
        counterparts.add(side.other_id)
        tables.FriendshipRecord(side.other_id, user_id).delete()
        if side.state == "incoming":
            friends.cancel_stale_timer(bootstrap.deps(), user_id, side.other_id, side.created_at)
        elif side.state == "outgoing":
            friends.cancel_stale_timer(bootstrap.deps(), side.other_id, user_id, side.created_at)
        side.delete()
    for image in tables.ImageRecord.query(user_id):
        ref = {"userId": user_id, "imageId": image.image_id}
        timers.cancel(
            jobs.REMOVE_ABANDONED_UPLOADS, image.created_at + images.ABANDONED_AFTER, ref, now=now
        )
        if image.delete_at is not None:
            timers.cancel(jobs.FORGET_PHOTOS, image.delete_at, ref, now=now)
        image.delete()
    for other_id in counterparts - {user_id}:
        activity.forget_mentions(other_id, user_id, now)
    for prefix in USER_PREFIXES:
        media_store.delete_prefix(f"{prefix}/{user_id}/")
    with tables.ActivityRecord.batch_write() as batch:
        for item in tables.ActivityRecord.query(user_id):
            batch.delete(item)
    if user is None:
        return False
    timers.cancel(
        jobs.REMOVE_UNVERIFIED_ACCOUNTS,
        user.created_at + accounts.UNVERIFIED_LIFETIME,
        {"userId": user_id},
        now=now,
    )
    for address in (user.email, user.pending_email):
        if _owns(address, user_id):
            tables.UserEmailRecord(address).delete()
    if user.friend_code:
        tables.FriendCodeRecord(user.friend_code).delete()
    user.delete()
    log.info("account deleted", extra={"userId": user_id})
    return True


def _owns(address: str | None, user_id: str) -> bool:
    if address is None:
        return False
    try:
        return tables.UserEmailRecord.get(address).user_id == user_id
    except tables.DoesNotExist:
        return False
