"""What to show next and when: the slideshow's rules as pure functions of (state, items, now).

* Items rotate newest first by ``sentAt``, or shuffled: each cycle shows every item once, in
  an order drawn so that no item waits more than N other slides between two showings (N = the
  items on the frame), across cycle boundaries too (see :func:`draw_cycle`).
* A newly arrived item is shown next, but never sooner than ``min_refresh`` after the last
  refresh of the panel.
* Items past ``expiresAt`` drop out even with no network.
* No refresh inside quiet hours (local time of ``settings.timeZone``), except to take a photo
  that was removed or expired off the panel; in quiet-hours mode "clear" the panel is blanked
  once at the start.
* ``showNext`` (the owner asked to see a photo now) is shown next, once per ``requestedAt``.

Nothing here reads a clock, a file or the network; the app passes ``now`` and persists
:class:`SlideshowState` via :meth:`SlideshowState.to_json`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shareframe_frame.desired_state import QuietHours, Settings, ShowNext

EMPTY = ""  # the "showing" value of the friendly empty screen
BLANK = " "  # the "showing" value of the blank screen of quiet hours in "clear" mode
MAX_SLEEP = timedelta(minutes=5)


@dataclass(frozen=True)
class Slide:
    """One photo the frame can show: it is listed and its file is on disk."""

    share_id: str
    sent_at: datetime
    expires_at: datetime | None
    sha256: str
    sender_name: str | None = None


@dataclass(frozen=True)
class SlideshowState:
    """Persisted between refreshes. ``showing`` is a share id, EMPTY, or None (unknown)."""

    showing: str | None = None
    shown_at: datetime | None = None
    seen: frozenset[str] = frozenset()
    new_queue: tuple[str, ...] = ()
    bag: tuple[str, ...] = ()
    show_next_done: str | None = None
    cycle: tuple[str, ...] = ()  # the shuffle cycle ``bag`` was drawn as, in order

    def to_json(self) -> dict[str, Any]:
        return {
            "showing": self.showing,
            "shownAt": self.shown_at.isoformat() if self.shown_at else None,
            "seen": sorted(self.seen),
            "newQueue": list(self.new_queue),
            "bag": list(self.bag),
            "showNextDone": self.show_next_done,
            "cycle": list(self.cycle),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SlideshowState:
        def strings(value: Any) -> list[str]:
            return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

        shown_at = None
        if isinstance(raw.get("shownAt"), str):
            try:
                shown_at = datetime.fromisoformat(raw["shownAt"])
            except ValueError:
                shown_at = None
        showing = raw.get("showing")
        done = raw.get("showNextDone")
        return cls(
            showing=showing if isinstance(showing, str) else None,
            shown_at=shown_at if shown_at and shown_at.tzinfo else None,
            seen=frozenset(strings(raw.get("seen"))),
            new_queue=tuple(strings(raw.get("newQueue"))),
            bag=tuple(strings(raw.get("bag"))),
            show_next_done=done if isinstance(done, str) else None,
            cycle=tuple(strings(raw.get("cycle"))),
        )


@dataclass(frozen=True)
class Plan:
    """``show`` is a share id, EMPTY, or None (no refresh now). Wake up again at ``wake_at``."""

    show: str | None
    wake_at: datetime
    state: SlideshowState = field(default_factory=SlideshowState)


def newest_first(slides: list[Slide]) -> list[Slide]:
    return sorted(slides, key=lambda s: (s.sent_at, s.share_id), reverse=True)


def live_slides(slides: list[Slide], now: datetime) -> list[Slide]:
    """Slides not yet expired, newest first."""
    return newest_first([s for s in slides if s.expires_at is None or s.expires_at > now])


def in_quiet_hours(quiet: QuietHours | None, time_zone: str, now: datetime) -> bool:
    if quiet is None or quiet.start == quiet.end:
        return False
    local = now.astimezone(ZoneInfo(time_zone)).time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end


def quiet_hours_end(quiet: QuietHours, time_zone: str, now: datetime) -> datetime:
    """The next moment (UTC) at which quiet hours end, strictly after ``now``."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    candidate = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(
            hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0
        )
    return candidate.astimezone(UTC)


def observe(state: SlideshowState, live: list[Slide]) -> SlideshowState:
    """Note arrivals (queued to be shown next, newest first) and forget departed items."""
    ids = [s.share_id for s in live]
    present = set(ids)
    arrivals = [i for i in ids if i not in state.seen]
    if not state.seen and state.showing in (None, EMPTY, BLANK):
        # First photos after pairing (or after everything was removed): nothing jumps the
        # queue, the rotation simply starts at the newest.
        arrivals = []
    queue = [i for i in arrivals if i not in state.new_queue] + [
        i for i in state.new_queue if i in present
    ]
    queue = [i for i in ids if i in set(queue)]  # newest first
    return replace(
        state,
        seen=frozenset(present),
        new_queue=tuple(queue),
        bag=tuple(i for i in state.bag if i in present),
    )


def draw_cycle(
    ids: list[str], previous: tuple[str, ...], showing: str | None, rng: random.Random
) -> list[str]:
    """The order of the next shuffle cycle: every item once.

    A plain reshuffle is fair within each cycle but not across them: an item first in one cycle
    and last in the next waits almost 2N slides. Here the item at position ``p`` of the previous
    cycle takes a position ``q <= p + 1`` in the new one, so it waits ``(N - 1 - p) + q <= N``
    other slides; and the item on the panel (the previous cycle's last) does not open the new
    one. That bound is the tightest that still varies: waits of at most N - 1 would repeat one
    order forever. Each position is filled at random among the items left, except when an item
    reaches its deadline. Items not in the previous cycle (new, or no cycle yet) may go anywhere.
    """
    present = set(ids)
    before = [i for i in previous if i in present]
    deadline = {share_id: p + 1 for p, share_id in enumerate(before)}
    left = [i for i in ids if i not in deadline] + before
    order: list[str] = []
    while left:
        q = len(order)
        due = [i for i in left if deadline.get(i, len(ids)) <= q]
        if due:
            choice = due[0]
        else:
            choices = [i for i in left if not (q == 0 and i == showing)] or left
            choice = rng.choice(choices)
        order.append(choice)
        left.remove(choice)
    return order


def _next_in_rotation(
    state: SlideshowState, live: list[Slide], settings: Settings, rng: random.Random
) -> tuple[str, SlideshowState]:
    ids = [s.share_id for s in live]
    if settings.order == "shuffle":
        bag = [i for i in state.bag if i in set(ids)]
        if not bag:
            bag = draw_cycle(ids, state.cycle, state.showing, rng)
            state = replace(state, cycle=tuple(bag))
        return bag[0], replace(state, bag=tuple(bag[1:]))
    if state.showing in ids:
        return ids[(ids.index(state.showing) + 1) % len(ids)], state
    return ids[0], state


def _request_key(show_next: ShowNext) -> str:
    return f"{show_next.share_id}@{show_next.requested_at.isoformat()}"


def plan(
    state: SlideshowState,
    slides: list[Slide],
    settings: Settings,
    now: datetime,
    *,
    min_refresh: timedelta,
    rng: random.Random,
    show_next: ShowNext | None = None,
) -> Plan:
    """Decide whether to refresh the panel now, with what, and when to look again."""
    live = live_slides(slides, now)
    state = observe(state, live)
    live_ids = {s.share_id for s in live}
    ours = (EMPTY, BLANK)
    gone = state.showing is not None and state.showing not in ours and state.showing not in live_ids

    requested: str | None = None
    if show_next is not None and _request_key(show_next) != state.show_next_done:
        if show_next.share_id == state.showing:
            state = replace(state, show_next_done=_request_key(show_next))  # already on the panel
        elif show_next.share_id in live_ids:
            requested = show_next.share_id  # not yet downloaded: wait for it

    earliest = state.shown_at + min_refresh if state.shown_at else now
    if state.showing is None or gone or state.new_queue or requested:
        due = now
    elif state.showing in ours:
        due = now if live or state.showing == BLANK else now + MAX_SLEEP
    elif len(live) <= 1:
        due = now + MAX_SLEEP  # nothing to rotate to
    else:
        due = (state.shown_at or now) + timedelta(seconds=settings.interval_seconds)
    due = max(due, earliest)

    quiet = settings.quiet_hours
    if quiet is not None and in_quiet_hours(quiet, settings.time_zone, now):
        end = quiet_hours_end(quiet, settings.time_zone, now)
        if quiet.mode == "clear" and state.showing != BLANK:
            if earliest > now:
                return Plan(None, min(earliest, now + MAX_SLEEP), state)
            return Plan(BLANK, min(end, now + MAX_SLEEP), state)
        if not gone:
            return Plan(None, min(max(due, end), now + MAX_SLEEP), state)
    if due > now:
        return Plan(None, min(due, now + MAX_SLEEP), state)

    if not live:
        if state.showing == EMPTY:
            return Plan(None, now + MAX_SLEEP, state)
        return Plan(EMPTY, now + MAX_SLEEP, state)
    if requested is not None and show_next is not None:
        choice = requested
        state = replace(
            state,
            show_next_done=_request_key(show_next),
            new_queue=tuple(i for i in state.new_queue if i != choice),
            bag=tuple(i for i in state.bag if i != choice),
        )
    elif state.new_queue:
        choice, state = state.new_queue[0], replace(state, new_queue=state.new_queue[1:])
        state = replace(state, bag=tuple(i for i in state.bag if i != choice))
    else:
        choice, state = _next_in_rotation(state, live, settings, rng)
    if choice == state.showing and not gone:
        return Plan(None, now + MAX_SLEEP, state)
    return Plan(choice, now + min(MAX_SLEEP, max(min_refresh, timedelta(seconds=1))), state)


def record_shown(state: SlideshowState, shown: str, now: datetime) -> SlideshowState:
    """The panel now shows ``shown`` (a share id or EMPTY)."""
    return replace(state, showing=shown, shown_at=now)
