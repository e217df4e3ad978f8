from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shareframe_frame.desired_state import QuietHours, Settings, ShowNext
from shareframe_frame.slideshow import (
    BLANK,
    EMPTY,
    Slide,
    SlideshowState,
    in_quiet_hours,
    plan,
    record_shown,
)

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MIN = timedelta(seconds=180)


def slide(n: int, *, expires: datetime | None = None) -> Slide:
    return Slide(f"shr_{n}", T0 - timedelta(hours=n), expires, f"{n:064x}")


def run(
    slides: list[Slide],
    s: Settings,
    start: datetime,
    steps: int,
    state: SlideshowState | None = None,
    rng: random.Random | None = None,
) -> tuple[list[str], SlideshowState, datetime]:
    """Drive the slideshow like the app does: wake at wake_at, show what plan says."""
    state = state or SlideshowState()
    rng = rng or random.Random(1)
    now = start
    shown: list[str] = []
    for _ in range(steps):
        p = plan(state, slides, s, now, min_refresh=MIN, rng=rng)
        state = p.state
        if p.show is not None:
            shown.append(p.show)
            state = record_shown(state, p.show, now)
        now = max(p.wake_at, now + timedelta(seconds=1))
    return shown, state, now


def run_shows(
    slides: list[Slide],
    s: Settings,
    start: datetime,
    count: int,
    state: SlideshowState | None = None,
    rng: random.Random | None = None,
) -> tuple[list[str], SlideshowState, datetime]:
    """Like run(), until ``count`` refreshes happened."""
    shown: list[str] = []
    now = start
    for _ in range(100 * count):
        more, state, now = run(slides, s, now, 1, state=state, rng=rng or random.Random(1))
        shown += more
        if len(shown) == count:
            break
    assert state is not None
    return shown, state, now


def test_rotation_is_newest_first_every_interval() -> None:
    s = Settings(interval_seconds=900)
    slides = [slide(2), slide(0), slide(1)]
    shown, _, _ = run(slides, s, T0, 40)
    assert shown[:6] == ["shr_0", "shr_1", "shr_2", "shr_0", "shr_1", "shr_2"]


def test_refreshes_are_interval_apart() -> None:
    s = Settings(interval_seconds=900)
    slides = [slide(0), slide(1)]
    state = SlideshowState()
    p = plan(state, slides, s, T0, min_refresh=MIN, rng=random.Random(0))
    state = record_shown(p.state, "shr_0", T0)
    early = plan(
        state, slides, s, T0 + timedelta(seconds=899), min_refresh=MIN, rng=random.Random(0)
    )
    assert early.show is None
    assert early.wake_at <= T0 + timedelta(seconds=900)
    due = plan(state, slides, s, T0 + timedelta(seconds=900), min_refresh=MIN, rng=random.Random(0))
    assert due.show == "shr_1"


def test_a_new_item_is_shown_next_but_not_before_the_minimum_refresh() -> None:
    s = Settings(interval_seconds=3600)
    old = [slide(1), slide(2)]
    _, state, _ = run(old, s, T0, 1)
    assert state.showing == "shr_1"
    newer = Slide("shr_new", T0 + timedelta(minutes=1), None, "f" * 64)
    at = T0 + timedelta(seconds=60)
    p = plan(state, [*old, newer], s, at, min_refresh=MIN, rng=random.Random(0))
    assert p.show is None
    assert p.wake_at == T0 + MIN
    p = plan(p.state, [*old, newer], s, T0 + MIN, min_refresh=MIN, rng=random.Random(0))
    assert p.show == "shr_new"


def test_several_new_items_are_shown_newest_first_before_rotation_resumes() -> None:
    s = Settings(interval_seconds=3600)
    _, state, now = run([slide(5)], s, T0, 1)
    fresh = [Slide(f"shr_n{i}", T0 + timedelta(minutes=i), None, f"{i:064x}") for i in (1, 2)]
    shown, _, _ = run([slide(5), *fresh], s, now, 3, state=state)
    assert shown[:2] == ["shr_n2", "shr_n1"]


def test_nothing_to_show_gives_the_empty_screen_once() -> None:
    shown, state, _ = run([], Settings(), T0, 5)
    assert shown == [EMPTY]
    assert state.showing == EMPTY


def test_the_first_photo_replaces_the_empty_screen() -> None:
    _, state, now = run([], Settings(), T0, 1)
    shown, _, _ = run([slide(0)], Settings(), now + MIN, 2, state=state)
    assert shown == ["shr_0"]


def test_expired_items_drop_out_even_offline() -> None:
    s = Settings(interval_seconds=900)
    expiring = slide(0, expires=T0 + timedelta(minutes=10))
    shown, state, _now = run([expiring, slide(1)], s, T0, 1)
    assert shown == ["shr_0"]
    later = T0 + timedelta(minutes=11)
    p = plan(state, [expiring, slide(1)], s, later, min_refresh=MIN, rng=random.Random(0))
    assert p.show == "shr_1"  # the expired photo is taken off at once
    shown, _, _ = run([expiring, slide(1)], s, later, 20)
    assert "shr_0" not in shown


def test_the_last_photo_expiring_leads_to_the_empty_screen() -> None:
    expiring = slide(0, expires=T0 + timedelta(minutes=10))
    _, state, _ = run([expiring], Settings(), T0, 1)
    p = plan(
        state,
        [expiring],
        Settings(),
        T0 + timedelta(minutes=11),
        min_refresh=MIN,
        rng=random.Random(0),
    )
    assert p.show == EMPTY


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32 - 1))
def test_shuffle_shows_every_item_once_before_any_repeats(n: int, seed: int) -> None:
    s = Settings(order="shuffle", interval_seconds=300)
    slides = [slide(i) for i in range(n)]
    shown, _, _ = run(slides, s, T0, 12 * n, rng=random.Random(seed))
    ids = {x.share_id for x in slides}
    assert len(shown) >= 3 * n
    # After the first pick, each consecutive block of n refreshes is a permutation
    # (the bag is refilled when empty, starting from the first refresh).
    for start in range(0, 3 * n, n):
        assert set(shown[start : start + n]) == ids, shown
    assert all(a != b for a, b in itertools.pairwise(shown))


def test_shuffle_bag_survives_a_restart() -> None:
    s = Settings(order="shuffle", interval_seconds=600)
    slides = [slide(i) for i in range(6)]
    shown, state, now = run_shows(slides, s, T0, 3, rng=random.Random(3))
    restored = SlideshowState.from_json(state.to_json())
    assert restored == state
    more, _, _ = run_shows(slides, s, now, 3, state=restored, rng=random.Random(99))
    assert sorted(shown + more) == sorted(x.share_id for x in slides)


def test_quiet_hours_wrap_midnight_in_the_frame_time_zone() -> None:
    q = QuietHours(time(22, 0), time(7, 0))
    berlin = "Europe/Berlin"  # UTC+1 in November
    assert in_quiet_hours(q, berlin, datetime(2026, 11, 25, 21, 30, tzinfo=UTC))
    assert in_quiet_hours(q, berlin, datetime(2026, 11, 26, 5, 59, tzinfo=UTC))
    assert not in_quiet_hours(q, berlin, datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    assert not in_quiet_hours(q, berlin, datetime(2026, 11, 25, 20, 59, tzinfo=UTC))
    assert not in_quiet_hours(None, berlin, datetime(2026, 11, 25, 23, 0, tzinfo=UTC))


def test_no_refresh_during_quiet_hours() -> None:
    q = QuietHours(time(22, 0), time(7, 0))
    s = Settings(interval_seconds=600, quiet_hours=q, time_zone="Europe/Berlin")
    slides = [slide(0), slide(1), slide(2)]
    evening = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 21:00 in Berlin
    shown_at: list[datetime] = []
    state = SlideshowState()
    now = evening
    rng = random.Random(0)
    while now < evening + timedelta(hours=12):
        p = plan(state, slides, s, now, min_refresh=MIN, rng=rng)
        state = p.state
        if p.show is not None:
            shown_at.append(now)
            state = record_shown(state, p.show, now)
        now = max(p.wake_at, now + timedelta(seconds=1))
    quiet_start = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    quiet_end = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert not [t for t in shown_at if quiet_start <= t < quiet_end]
    assert any(t >= quiet_end for t in shown_at)
    assert any(t < quiet_start for t in shown_at)


def test_a_new_item_waits_for_the_end_of_quiet_hours() -> None:
    q = QuietHours(time(22, 0), time(7, 0))
    s = Settings(quiet_hours=q, time_zone="UTC")
    _, state, _ = run([slide(1)], s, datetime(2026, 11, 25, 21, 0, tzinfo=UTC), 1)
    night = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    new = Slide("shr_new", night, None, "e" * 64)
    shown, _, at = run_shows([slide(1), new], s, night, 1, state=state)
    assert shown == ["shr_new"]
    assert datetime(2026, 11, 26, 7, 0, tzinfo=UTC) < at <= datetime(2026, 11, 26, 7, 5, tzinfo=UTC)


def test_show_next_is_shown_next_once_per_request() -> None:
    s = Settings(interval_seconds=3600)
    slides = [slide(0), slide(1), slide(2)]
    _, state, now = run_shows(slides, s, T0, 1)
    assert state.showing == "shr_0"
    request = ShowNext("shr_2", T0 + timedelta(seconds=10))
    at = T0 + timedelta(seconds=10)
    p = plan(state, slides, s, at, min_refresh=MIN, rng=random.Random(0), show_next=request)
    assert p.show is None and p.wake_at == T0 + MIN  # minimum refresh still holds
    p = plan(p.state, slides, s, T0 + MIN, min_refresh=MIN, rng=random.Random(0), show_next=request)
    assert p.show == "shr_2"
    state = record_shown(p.state, "shr_2", T0 + MIN)
    later = T0 + MIN + timedelta(seconds=1)
    p = plan(state, slides, s, later, min_refresh=MIN, rng=random.Random(0), show_next=request)
    assert p.show is None  # the same request is not honoured twice
    again = ShowNext("shr_2", later)
    state = record_shown(state, "shr_0", later)
    p = plan(state, slides, s, later + MIN, min_refresh=MIN, rng=random.Random(0), show_next=again)
    assert p.show == "shr_2"


def test_quiet_hours_in_clear_mode_blank_the_panel_once_then_resume() -> None:
    q = QuietHours(time(22, 0), time(7, 0), mode="clear")
    s = Settings(interval_seconds=600, quiet_hours=q, time_zone="UTC")
    slides = [slide(0), slide(1)]
    _, state, _ = run_shows(slides, s, datetime(2026, 11, 25, 21, 0, tzinfo=UTC), 1)
    night = datetime(2026, 11, 25, 22, 0, 30, tzinfo=UTC)
    shown: list[tuple[datetime, str]] = []
    now = night
    while now < datetime(2026, 11, 26, 8, 0, tzinfo=UTC):
        p = plan(state, slides, s, now, min_refresh=MIN, rng=random.Random(0))
        state = p.state
        if p.show is not None:
            shown.append((now, p.show))
            state = record_shown(state, p.show, now)
        now = max(p.wake_at, now + timedelta(seconds=1))
    assert shown[0] == (night, BLANK)
    assert all(t >= datetime(2026, 11, 26, 7, 0, tzinfo=UTC) for t, _ in shown[1:])
    assert shown[1][1] != BLANK


def longest_waits(shown: list[str]) -> dict[str, int]:
    """For each photo, the most refreshes that showed something else between two showings."""
    last: dict[str, int] = {}
    longest: dict[str, int] = {}
    for slot, share_id in enumerate(shown):
        if share_id in last:
            longest[share_id] = max(longest.get(share_id, 0), slot - last[share_id] - 1)
        last[share_id] = slot
    return longest


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 15), st.integers(0, 2**32 - 1))
def test_shuffle_never_leaves_a_photo_waiting_more_than_n_slides(n: int, seed: int) -> None:
    """Across cycle boundaries too: between two showings of a photo at most n other slides."""
    s = Settings(order="shuffle", interval_seconds=300)
    slides = [slide(i) for i in range(n)]
    shown, _, _ = run_shows(slides, s, T0, 12 * n, rng=random.Random(seed))
    waits = longest_waits(shown)
    assert set(waits) == {x.share_id for x in slides}
    assert max(waits.values()) <= n, (max(waits.values()), shown)
    assert all(a != b for a, b in itertools.pairwise(shown))


@pytest.mark.parametrize("n", [3, 5, 10])
def test_shuffle_keeps_variety_from_cycle_to_cycle(n: int) -> None:
    """The bound does not freeze the order: cycles change, every photo opens some cycle, and
    almost every photo comes to follow almost every other."""
    s = Settings(order="shuffle", interval_seconds=300)
    slides = [slide(i) for i in range(n)]
    shown, _, _ = run_shows(slides, s, T0, 60 * n, rng=random.Random(7))
    cycles = [tuple(shown[i : i + n]) for i in range(0, len(shown), n)]
    assert all(set(c) == {x.share_id for x in slides} for c in cycles)
    assert sum(a != b for a, b in itertools.pairwise(cycles)) > len(cycles) // 2
    assert {c[0] for c in cycles} == {x.share_id for x in slides}
    assert len(set(itertools.pairwise(shown))) >= 0.8 * n * (n - 1)
