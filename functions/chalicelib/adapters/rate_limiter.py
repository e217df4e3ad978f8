"""Fixed-window rate limits kept in DynamoDB: one conditional update per attempt."""

from __future__ import annotations

import hashlib
import time

from chalicelib.adapters import tables
from chalicelib.adapters.conditional import update_if
from chalicelib.domain.errors import RateLimited


def hit(action: str, subject: str, *, limit: int, window_seconds: int, message: str) -> None:
    """Count one attempt; raise RateLimited once ``limit`` attempts fell in the current window."""
    now = int(time.time())
    window = now // window_seconds
    limits = tables.RateLimitRecord
    counted = update_if(
        limits(_key(action, subject, window)),
        [limits.attempts.add(1), limits.ttl.set(now + 2 * window_seconds)],
        limits.attempts.does_not_exist() | (limits.attempts < limit),
    )
    if not counted:
        raise RateLimited(message, retry_after=(window + 1) * window_seconds - now)


def reset(action: str, subject: str, *, window_seconds: int) -> None:
    """Forget the current window's attempts (e.g. after a successful login)."""
    window = int(time.time()) // window_seconds
    tables.RateLimitRecord(_key(action, subject, window)).delete()


def _key(action: str, subject: str, window: int) -> str:
    """Subjects (addresses, IPs) are hashed: the table holds no personal data."""
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"{action}#{digest}#{window}"
