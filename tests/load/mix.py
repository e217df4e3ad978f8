"""The daily mix, compressed in time, and the simulated world it runs in. Pure: no I/O.

A *day* of Shareframe, per person and per frame (the assumptions of docs/scale.md, "Peak rates
per size"): a frame reports its status every 30 minutes and drops its connection four times a
day; a person signs in twice, opens the app four more times, uploads a photo every other day,
sends one every other day (to one to five frames; one send in five for a few minutes only, so
expiries happen within the run) and now and then removes a photo from a frame or asks a new
friend. Receipts, friend acceptances and expiries follow from those.

``compression`` is how many simulated seconds pass per real second: at 10, ten minutes of the
load test carry 100 minutes of the day's traffic, which is also what ``10 x frames`` frames
would send in real time. :func:`arrivals` turns per-second rates into a Poisson schedule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

DAY_SECONDS = 86_400.0
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # friend codes (chalicelib.domain.codes)


@dataclass(frozen=True)
class Activity:
    """Something each user or each frame does ``per_day`` times a day (on average)."""

    name: str
    per_day: float
    actor: Literal["user", "frame"]


DAILY_MIX: tuple[Activity, ...] = (
    Activity("sign_in", 2.0, "user"),
    Activity("browse", 4.0, "user"),  # the app opened: dashboard and sent photos
    Activity("upload", 0.5, "user"),
    Activity("send", 0.5, "user"),
    Activity("remove", 0.05, "user"),
    Activity("friend_request", 0.02, "user"),
    Activity("heartbeat", 48.0, "frame"),
    Activity("reconnect", 4.0, "frame"),
)

# One send in five is for a few (real) minutes, so `expire_shares` has work within the run.
EXPIRING_FRACTION = 0.2
EXPIRING_SECONDS = (70, 150)
# How many frames a send goes to (weights for 1, 2, 3, 4, 5 frames).
SEND_FANOUT_WEIGHTS = (60, 25, 8, 4, 3)

# The scheduled jobs and their periods (functions/app.py, docs/operations.md).
JOB_PERIODS_SECONDS: dict[str, float] = {
    "expire_shares": 300,
    "forget_photos": 900,
    "expire_pairing_sessions": 900,
    "finish_account_deletions": 900,
    "purge_share_history": 3600,
    "purge_deleted_photos": 3600,
    "remove_unverified_accounts": 3600,
    "remove_abandoned_uploads": 3600,
    "reject_stale_requests": 3600,
    "notify_offline_frames": 3600,
}
# A job run by hand locally is a process that imports the app (a second or more of CPU): at most
# one job every 15 s on average across the ten jobs.
MIN_JOB_PERIOD_SECONDS = 150.0


def rates(
    users: int, frames: int, compression: float, mix: tuple[Activity, ...] = DAILY_MIX
) -> dict[str, float]:
    """Arrivals per real second of each activity."""
    population = {"user": users, "frame": frames}
    return {a.name: a.per_day * population[a.actor] * compression / DAY_SECONDS for a in mix}


def compression_for(
    rate: float, users: int, frames: int, mix: tuple[Activity, ...] = DAILY_MIX
) -> float:
    """The compression at which the whole mix arrives at ``rate`` per second."""
    per_unit = sum(rates(users, frames, 1.0, mix).values())
    if per_unit <= 0:
        raise ValueError("the mix has no activity for this population")
    return rate / per_unit


def job_periods(compression: float) -> dict[str, float]:
    """Each job's period in real seconds at this compression (never below the minimum)."""
    return {
        job: max(MIN_JOB_PERIOD_SECONDS, period / compression)
        for job, period in JOB_PERIODS_SECONDS.items()
    }


def arrivals(
    per_second: dict[str, float], seconds: float, rng: random.Random
) -> list[tuple[float, str]]:
    """A Poisson schedule: (offset in seconds, activity) for each arrival, in time order."""
    events: list[tuple[float, str]] = []
    for name, rate in per_second.items():
        if rate <= 0:
            continue
        at = rng.expovariate(rate)
        while at < seconds:
            events.append((at, name))
            at += rng.expovariate(rate)
    events.sort()
    return events


def fanout(rng: random.Random, available: int) -> int:
    """How many frames one send goes to (at most ``available``)."""
    wanted = rng.choices(range(1, len(SEND_FANOUT_WEIGHTS) + 1), SEND_FANOUT_WEIGHTS)[0]
    return max(1, min(wanted, available))


# The world ---------------------------------------------------------------------------------
def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(CROCKFORD[rem])
    return "".join(reversed(chars))


@dataclass(frozen=True)
class World:
    """Who exists: ``users`` people, ``frames`` frames spread evenly over them as owners, and
    friendships in a ring (each person is friends with the two on either side), so everyone
    can send to at least their own or a friend's frame when frames ≥ users / 5."""

    users: int
    frames: int

    FRIEND_OFFSETS = (1, 2)
    PASSWORD = "load test sunflower 42"

    def user_id(self, i: int) -> str:
        return "usr_ZZ" + _base32(i, 24)

    def frame_id(self, j: int) -> str:
        return "frm_ZZ" + _base32(j, 24)

    def email(self, i: int) -> str:
        return f"load{i:07d}@example.com"

    def display_name(self, i: int) -> str:
        return f"Load {i}"

    def friend_code(self, i: int) -> str:
        raw = "".join(CODE_ALPHABET[(i // 32**k) % 32] for k in range(8))
        return f"{raw[:4]}-{raw[4:]}"

    def owner(self, j: int) -> int:
        return j * self.users // self.frames

    def frames_of(self, i: int) -> list[int]:
        """Frames user ``i`` owns (inverse of :meth:`owner`)."""
        return list(
            range(-(-i * self.frames // self.users), -(-(i + 1) * self.frames // self.users))
        )

    def friends(self, i: int) -> list[int]:
        if self.users < 2:
            return []
        found = {(i + sign * d) % self.users for d in self.FRIEND_OFFSETS for sign in (1, -1)} - {i}
        return sorted(found)

    def friendship_pairs(self) -> list[tuple[int, int]]:
        """Each friendship once, as (lower, higher)."""
        return sorted({(min(i, k), max(i, k)) for i in range(self.users) for k in self.friends(i)})

    def stranger(self, i: int, rng: random.Random) -> int:
        """Someone who is not ``i`` and not a seeded friend of ``i``."""
        if self.users <= 2 * len(self.FRIEND_OFFSETS) + 1:
            raise ValueError("too few users for strangers")
        taken = {i, *self.friends(i)}
        while True:
            k = rng.randrange(self.users)
            if k not in taken:
                return k
