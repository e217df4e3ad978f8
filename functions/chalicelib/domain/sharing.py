"""Rules of sending: how long a share lives and which state may follow which."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.timefmt import parse_iso

DURATIONS: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "14d": timedelta(days=14),
    "30d": timedelta(days=30),
    "forever": None,
}
DEFAULT_DURATION = "24h"
MIN_CUSTOM = timedelta(minutes=1)
MAX_CUSTOM = timedelta(days=366)
MAX_CAPTION = 140
MAX_TARGETS = 20

# queued -> delivered (the frame has the file) -> displayed (shown for the first time).
# removed and expired are final. A late "delivered" after "displayed" changes nothing.
_RANK = {"queued": 0, "delivered": 1, "displayed": 2}
FINAL_STATES = frozenset({"removed", "expired"})


def expiry(now: datetime, duration: object, expires_at: object) -> datetime | None:
    """The moment a share leaves its frames; None means "until removed"."""
    if duration is not None and expires_at is not None:
        raise ValidationFailed("Give either duration or expiresAt, not both.", field="duration")
    if expires_at is not None:
        if not isinstance(expires_at, str):
            raise ValidationFailed("expiresAt must be a timestamp.", field="expiresAt")
        try:
            when = parse_iso(expires_at)
        except ValueError as err:
            raise ValidationFailed(
                "expiresAt must be an RFC 3339 timestamp.", field="expiresAt"
            ) from err
        if when < now + MIN_CUSTOM:
            raise ValidationFailed("expiresAt must be at least a minute ahead.", field="expiresAt")
        if when > now + MAX_CUSTOM:
            raise ValidationFailed("A photo can stay at most a year.", field="expiresAt")
        return when
    key = DEFAULT_DURATION if duration is None else duration
    if not isinstance(key, str) or key not in DURATIONS:
        raise ValidationFailed(
            f"duration must be one of: {', '.join(DURATIONS)}.", field="duration"
        )
    span = DURATIONS[key]
    return None if span is None else now + span


def expiries(
    now: datetime, duration: object, expires_at: object, defaults: Mapping[str, str]
) -> dict[str, datetime | None]:
    """When the share leaves each frame: the sender's choice on every frame when they made one,
    else each frame owner's default (``defaults``: frame id -> a key of ``DURATIONS``)."""
    if duration is not None or expires_at is not None:
        until = expiry(now, duration, expires_at)
        return dict.fromkeys(defaults, until)
    return {frame_id: expiry(now, default, None) for frame_id, default in defaults.items()}


def last_end(ends: Iterable[datetime | None]) -> datetime | None:
    """The moment the share has left every frame; None when one keeps it until removed."""
    latest: datetime | None = None
    for end in ends:
        if end is None:
            return None
        latest = end if latest is None else max(latest, end)
    return latest


def advances(current: str, reported: str) -> bool:
    """True when a frame's report moves a delivery forward (reports may arrive twice or late)."""
    if current in FINAL_STATES or reported not in _RANK:
        return False
    return _RANK[reported] > _RANK.get(current, -1)


def validate_caption(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CAPTION:
        raise ValidationFailed(f"A caption is at most {MAX_CAPTION} characters.", field="caption")
    return " ".join(value.split())
