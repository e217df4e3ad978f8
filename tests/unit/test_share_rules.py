"""The pure rules of sending: durations and expiry, captions, delivery states, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import sharing
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.frame_settings import FrameSettings
from chalicelib.domain.permissions import may_send

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


# --- durations and expiry -----------------------------------------------------------------------


def test_no_duration_means_a_day():
    assert sharing.expiry(NOW, None, None) == NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    ("duration", "span"),
    [
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("14d", timedelta(days=14)),
        ("30d", timedelta(days=30)),
    ],
)
def test_each_named_duration_ends_when_it_says(duration, span):
    assert sharing.expiry(NOW, duration, None) == NOW + span


def test_forever_means_until_removed():
    assert sharing.expiry(NOW, "forever", None) is None


@pytest.mark.parametrize("duration", ["1h", "7D", "", 24, ["24h"], "never"])
def test_an_unknown_duration_is_refused(duration):
    with pytest.raises(ValidationFailed) as err:
        sharing.expiry(NOW, duration, None)
    assert err.value.field == "duration"


def test_duration_and_an_expiry_time_together_are_refused():
    with pytest.raises(ValidationFailed, match="not both"):
        sharing.expiry(NOW, "24h", "2026-12-01T00:00:00Z")


def test_an_expiry_time_in_another_zone_is_read_as_that_instant():
    assert sharing.expiry(NOW, None, "2026-11-29T15:00:00+02:00") == NOW + timedelta(hours=1)


def test_an_expiry_a_minute_ahead_is_the_shortest_allowed():
    assert sharing.expiry(NOW, None, "2026-11-29T12:01:00Z") == NOW + timedelta(minutes=1)
    with pytest.raises(ValidationFailed, match="at least a minute"):
        sharing.expiry(NOW, None, "2026-11-29T12:00:59Z")


def test_an_expiry_in_the_past_is_refused():
    with pytest.raises(ValidationFailed):
        sharing.expiry(NOW, None, "2026-11-28T12:00:00Z")


def test_a_photo_may_stay_at_most_366_days():
    longest = NOW + sharing.MAX_CUSTOM
    assert sharing.expiry(NOW, None, longest.isoformat()) == longest
    with pytest.raises(ValidationFailed, match="at most a year"):
        sharing.expiry(NOW, None, (longest + timedelta(seconds=1)).isoformat())


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T00:00:00Z", "2026-12-01T00:00:00", 5])
def test_an_expiry_that_is_not_an_rfc3339_timestamp_is_refused(value):
    with pytest.raises(ValidationFailed) as err:
        sharing.expiry(NOW, None, value)
    assert err.value.field == "expiresAt"


# --- captions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ""])
def test_no_caption_is_none(value):
    assert sharing.validate_caption(value) is None


def test_a_caption_has_its_whitespace_folded():
    assert sharing.validate_caption("  Happy\n birthday\t Ana ") == "Happy birthday Ana"


def test_a_caption_of_exactly_140_characters_is_kept():
    assert sharing.validate_caption("x" * 140) == "x" * 140


@pytest.mark.parametrize("value", ["x" * 141, 42, ["hi"]])
def test_a_caption_too_long_or_not_text_is_refused(value):
    with pytest.raises(ValidationFailed):
        sharing.validate_caption(value)


# --- delivery states ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "reported"),
    [("queued", "delivered"), ("queued", "displayed"), ("delivered", "displayed")],
)
def test_a_report_moves_a_delivery_forward(current, reported):
    assert sharing.advances(current, reported)


@pytest.mark.parametrize(
    ("current", "reported"),
    [
        ("delivered", "delivered"),
        ("displayed", "delivered"),
        ("displayed", "queued"),
        ("removed", "displayed"),
        ("expired", "delivered"),
        ("queued", "removed"),
        ("queued", "bogus"),
    ],
)
def test_late_repeated_or_unknown_reports_change_nothing(current, reported):
    assert not sharing.advances(current, reported)


# --- who may send -------------------------------------------------------------------------------


def frame(policy: str = "friends", allowed: tuple[str, ...] = ()) -> FrameSettings:
    return FrameSettings(name="Kitchen", panel="p", send_policy=policy, allowed_senders=allowed)


@pytest.mark.parametrize("policy", ["owner", "friends", "chosen"])
def test_the_owner_may_always_send(policy):
    assert may_send(frame(policy), owner_id="o", sender_id="o", are_friends=False)


@pytest.mark.parametrize("policy", ["owner", "friends", "chosen"])
def test_a_stranger_may_never_send(policy):
    assert not may_send(frame(policy, ("s",)), owner_id="o", sender_id="s", are_friends=False)


def test_friends_may_send_to_a_frame_open_to_friends():
    assert may_send(frame("friends"), owner_id="o", sender_id="s", are_friends=True)


def test_friends_may_not_send_to_an_owner_only_frame_even_if_listed():
    assert not may_send(frame("owner", ("s",)), owner_id="o", sender_id="s", are_friends=True)


def test_only_chosen_friends_may_send_to_a_chosen_senders_frame():
    chosen = frame("chosen", ("s",))
    assert may_send(chosen, owner_id="o", sender_id="s", are_friends=True)
    assert not may_send(chosen, owner_id="o", sender_id="t", are_friends=True)
