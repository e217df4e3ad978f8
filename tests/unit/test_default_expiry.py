"""The frame owner's default: how long a photo stays on their frame when its sender does not
choose, and what that means when one share goes to frames whose owners chose differently."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.api.models.shares import SendPhoto
from chalicelib.domain import jobs
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.frame_settings import FrameSettings, apply_changes
from chalicelib.domain.timefmt import iso
from chalicelib.services import sharing
from tests.unit.edge import command
from tests.unit.fakes import World

PANELS = frozenset({"waveshare_7in5_v2"})


def send(world: World, sender, frames, **options) -> dict:
    payload = {"imageId": world.photo(sender).image_id, "frameIds": [f.frame_id for f in frames]}
    return sharing.create(world.deps, sender.user_id, command(SendPhoto, payload | options))


def with_default(frame, duration: str):
    frame.default_duration = duration
    return frame


@pytest.fixture
def two_frames(world):
    """Ana sends to Ben's frame (a week by default) and to her own (until removed)."""
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    return (
        ana,
        with_default(world.frame(ben, "Ben's"), "7d"),
        with_default(world.frame(ana), "forever"),
    )


def test_a_new_frame_keeps_photos_a_day():
    assert FrameSettings(name="Kitchen", panel="waveshare_7in5_v2").default_duration == "24h"


@pytest.mark.parametrize("value", ["24h", "7d", "14d", "30d", "forever"])
def test_the_owner_may_choose_any_duration_a_sender_could(value):
    current = FrameSettings(name="Kitchen", panel="waveshare_7in5_v2")
    assert apply_changes(current, {"defaultDuration": value}, PANELS).default_duration == value


@pytest.mark.parametrize("value", ["1h", "", None, 7, "FOREVER"])
def test_another_default_is_refused_with_its_field(value):
    current = FrameSettings(name="Kitchen", panel="waveshare_7in5_v2")
    with pytest.raises(ValidationFailed) as err:
        apply_changes(current, {"defaultDuration": value}, PANELS)
    assert err.value.field == "defaultDuration"


def test_the_default_is_not_sent_to_the_frame():
    settings = FrameSettings(name="Kitchen", panel="waveshare_7in5_v2", default_duration="7d")
    assert "defaultDuration" not in settings.as_message()


def test_without_a_choice_the_frames_default_applies(world):
    ana = world.user("Ana")
    frame = with_default(world.frame(ana), "30d")
    share = send(world, ana, [frame])
    due = world.clock() + timedelta(days=30)
    assert world.shares.delivery(frame.frame_id, share["shareId"]).expires_at == due
    assert world.shares.get(share["shareId"]).expires_at == due
    assert world.timers.of(jobs.EXPIRE_SHARES) == [(due, {"shareId": share["shareId"]})]


def test_the_senders_choice_overrides_every_frames_default(world, two_frames):
    ana, bens, hers = two_frames
    share = send(world, ana, [bens, hers], duration="24h")
    due = world.clock() + timedelta(hours=24)
    assert [d["expiresAt"] for d in share["deliveries"]] == [iso(due)] * 2
    assert world.timers.of(jobs.EXPIRE_SHARES) == [(due, {"shareId": share["shareId"]})]


def test_until_removed_by_default_has_no_timer(world):
    ana = world.user("Ana")
    share = send(world, ana, [with_default(world.frame(ana), "forever")])
    assert share["expiresAt"] is None
    assert share["deliveries"][0]["expiresAt"] is None
    assert world.timers.of(jobs.EXPIRE_SHARES) == []


def test_frames_with_different_defaults_each_get_their_own_end(world):
    ana = world.user("Ana")
    day, week = (
        with_default(world.frame(ana, "A"), "24h"),
        with_default(world.frame(ana, "B"), "7d"),
    )
    share = send(world, ana, [day, week])
    now = world.clock()
    ends = {
        d.frame_id: d.expires_at
        for d in world.shares.deliveries(world.shares.get(share["shareId"]))
    }
    assert ends == {day.frame_id: now + timedelta(days=1), week.frame_id: now + timedelta(days=7)}
    # The share has ended when its last frame let it go; one timer per distinct end.
    assert world.shares.get(share["shareId"]).expires_at == now + timedelta(days=7)
    assert world.timers.of(jobs.EXPIRE_SHARES) == [
        (now + timedelta(days=1), {"shareId": share["shareId"]}),
        (now + timedelta(days=7), {"shareId": share["shareId"]}),
    ]


def test_each_frame_lets_the_photo_go_at_its_own_time(world):
    ana = world.user("Ana")
    day, week = (
        with_default(world.frame(ana, "A"), "24h"),
        with_default(world.frame(ana, "B"), "7d"),
    )
    share = send(world, ana, [day, week])
    ends = world.clock() + timedelta(days=7)
    world.clock.advance(days=1)
    assert sharing.expire(world.deps, share["shareId"]) is True
    assert world.shares.delivery(day.frame_id, share["shareId"]).state == "expired"
    assert world.shares.delivery(week.frame_id, share["shareId"]).state == "queued"
    assert (day.active_items, week.active_items) == (0, 1)
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == []  # still on a frame: history stays
    world.clock.advance(days=6)
    assert sharing.expire(world.deps, share["shareId"]) is True
    assert world.shares.delivery(week.frame_id, share["shareId"]).state == "expired"
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == [
        (ends + timedelta(days=14), {"shareId": share["shareId"]})
    ]


def test_a_timed_frame_ending_after_the_until_removed_one_was_cleared_purges_history(
    world, two_frames
):
    ana, bens, hers = two_frames
    share = send(world, ana, [bens, hers])
    assert world.shares.get(share["shareId"]).expires_at is None  # one frame keeps it
    sharing.remove(world.deps, ana.user_id, share["shareId"], hers.frame_id)
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == []  # Ben's frame still shows it
    world.clock.advance(days=7)
    assert sharing.expire(world.deps, share["shareId"]) is True
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == [
        (world.clock() + timedelta(days=14), {"shareId": share["shareId"]})
    ]


def test_the_photos_renditions_are_kept_until_its_last_frame_lets_go(world, two_frames):
    ana, bens, hers = two_frames
    photo = world.photo(ana)
    payload = {"imageId": photo.image_id, "frameIds": [bens.frame_id]}
    sharing.create(world.deps, ana.user_id, command(SendPhoto, payload))
    assert photo.shares_until == world.clock() + timedelta(days=7)
    payload = {"imageId": photo.image_id, "frameIds": [bens.frame_id, hers.frame_id]}
    sharing.create(world.deps, ana.user_id, command(SendPhoto, payload))
    assert photo.shares_until == sharing.FOREVER


def test_the_sender_sees_each_frames_default_before_sending(world, two_frames):
    ana, bens, hers = two_frames
    defaults = {
        t["frameId"]: t["defaultDuration"] for t in sharing.targets(world.deps, ana.user_id)
    }
    assert defaults == {bens.frame_id: "7d", hers.frame_id: "forever"}


def test_a_frames_items_say_when_each_leaves(world, two_frames):
    ana, bens, _ = two_frames
    send(world, ana, [bens])
    (item,) = sharing.on_frame(world.deps, bens.owner_id, bens)
    assert item["expiresAt"] == iso(world.clock() + timedelta(days=7))
