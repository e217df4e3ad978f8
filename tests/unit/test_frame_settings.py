"""What a frame's owner may set: slideshow limits, who may send, quiet hours, time zones."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.frame_settings import FrameSettings, apply_changes, validate_name

PANELS = frozenset({"waveshare_7in5_v2", "spectra6_7in3"})
CURRENT = FrameSettings(name="Kitchen", panel="waveshare_7in5_v2")


def change(**changes) -> FrameSettings:
    return apply_changes(CURRENT, changes, PANELS)


def refused(field: str, **changes) -> None:
    with pytest.raises(ValidationFailed) as err:
        change(**changes)
    assert err.value.field == field


@pytest.mark.parametrize("seconds", [180, 900, 86_400])
def test_the_slideshow_interval_is_three_minutes_to_a_day(seconds):
    assert change(intervalSeconds=seconds).interval_seconds == seconds


@pytest.mark.parametrize("seconds", [179, 86_401, 0, True, 900.0, "900"])
def test_a_faster_slower_or_non_integer_interval_is_refused(seconds):
    refused("intervalSeconds", intervalSeconds=seconds)


def test_an_unknown_setting_is_refused_not_ignored():
    refused("brightness", brightness=5)


def test_who_may_send_is_one_of_three_policies():
    assert change(sendPolicy="owner").send_policy == "owner"
    refused("sendPolicy", sendPolicy="everyone")


def test_chosen_senders_are_kept_once_each_in_order():
    assert change(allowedSenders=["usr_b", "usr_a", "usr_b"]).allowed_senders == ("usr_b", "usr_a")


@pytest.mark.parametrize("value", ["usr_a", [1], ["x" * 64], ["usr"] * 201])
def test_chosen_senders_must_be_a_short_list_of_ids(value):
    refused("allowedSenders", allowedSenders=value)


def test_the_panel_must_be_one_the_backend_renders_for():
    assert change(panel="spectra6_7in3").panel == "spectra6_7in3"
    refused("panel", panel="kindle")


def test_quiet_hours_may_cross_midnight_and_default_to_keeping_the_photo():
    assert change(quietHours={"start": "22:00", "end": "07:00"}).quiet_hours == {
        "start": "22:00",
        "end": "07:00",
        "mode": "keep",
    }


def test_quiet_hours_can_be_switched_off():
    assert change(quietHours=None).quiet_hours is None


@pytest.mark.parametrize(
    "value",
    [
        {"start": "24:00", "end": "07:00"},
        {"start": "7:00", "end": "08:00"},
        {"start": "22:00"},
        {"start": "22:00", "end": "07:00", "mode": "dim"},
        {"start": "22:00", "end": "07:00", "extra": 1},
        "22:00-07:00",
    ],
)
def test_malformed_quiet_hours_are_refused(value):
    refused("quietHours", quietHours=value)


def test_a_real_time_zone_is_accepted_and_a_made_up_one_refused():
    assert change(timeZone="Europe/Lisbon").time_zone == "Europe/Lisbon"
    refused("timeZone", timeZone="Mars/Olympus")


def test_the_status_line_is_on_or_off():
    assert change(showStatus=True).show_status is True
    refused("showStatus", showStatus="yes")


@pytest.mark.parametrize("name", ["A", "x" * 40, "  Hall  "])
def test_a_frame_name_is_one_to_forty_characters_trimmed(name):
    assert validate_name(name) == name.strip()


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, None, 7])
def test_a_frame_name_outside_the_limits_is_refused(name):
    with pytest.raises(ValidationFailed):
        validate_name(name)


def test_a_refused_change_leaves_the_settings_as_they_were():
    with pytest.raises(ValidationFailed):
        apply_changes(CURRENT, {"name": "Hall", "intervalSeconds": 1}, PANELS)
    assert CURRENT.name == "Kitchen"
