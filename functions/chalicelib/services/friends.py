"""Friendships between users."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.tables import FriendshipRecord


def are_friends(user_id: str, other_id: str) -> bool:
    if user_id == other_id:
        return False
    try:
        return FriendshipRecord.get(user_id, other_id).state == "friends"
    except DoesNotExist:
        return False
