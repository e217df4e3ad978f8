"""Sending photos: who may send to which frame, how full a frame may get, how long a photo
stays, and what taking it back does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.api.models.friends import SendFriendRequest
from chalicelib.api.models.shares import SendPhoto
from chalicelib.domain import jobs
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.services import friends, sharing
from tests.unit.edge import command
from tests.unit.fakes import World

NO_SUCH_FRAME = "frm_01JD2ZZ1B3D5F7H9K1M3P5R7T9"


def send(world: World, sender, frames, photo=None, **options) -> dict:
    """Send, then let the rendition workers make the files (test_send_renders.py looks at the
    time in between)."""
    photo = photo or world.photo(sender)
    ids = [f if isinstance(f, str) else f.frame_id for f in frames]
    payload = {"imageId": photo.image_id, "frameIds": ids}
    payload |= {_CAMEL.get(k, k): v for k, v in options.items()}
    answer = sharing.create(world.deps, sender.user_id, command(SendPhoto, payload))
    world.render_all()
    return answer


_CAMEL = {"expires_at": "expiresAt"}


@pytest.fixture
def family(world):
    """Ana and Ben are friends; Cleo is a stranger to both. Ben has a frame."""
    ana, ben, cleo = world.user("Ana"), world.user("Ben"), world.user("Cleo")
    world.befriend(ana, ben)
    return ana, ben, cleo, world.frame(ben, "Ben's kitchen")


# --- who may send where -------------------------------------------------------------------------


def test_an_owner_sends_to_their_own_frame(world):
    ana = world.user("Ana")
    frame = world.frame(ana)
    assert send(world, ana, [frame])["deliveries"][0]["state"] == "queued"


def test_a_friend_sends_to_a_frame_open_to_friends(world, family):
    ana, _, _, frame = family
    assert send(world, ana, [frame])["deliveries"][0]["frameId"] == frame.frame_id


def test_a_stranger_may_not_send(world, family):
    _, _, cleo, frame = family
    with pytest.raises(Forbidden) as err:
        send(world, cleo, [frame])
    assert err.value.field == "frameIds"


def test_a_frame_that_does_not_exist_gets_the_same_answer_as_one_not_allowed(world, family):
    _, _, cleo, frame = family
    with pytest.raises(Forbidden) as refused:
        send(world, cleo, [frame])
    with pytest.raises(Forbidden) as missing:
        send(world, cleo, [NO_SUCH_FRAME])
    assert str(refused.value) == str(missing.value)


def test_something_that_is_not_a_frame_id_is_refused_like_a_frame_not_allowed(world):
    ana = world.user("Ana")
    with pytest.raises(Forbidden):
        send(world, ana, ["kitchen"])


def test_an_owner_only_frame_refuses_friends(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    frame = world.frame(ben, policy="owner")
    with pytest.raises(Forbidden):
        send(world, ana, [frame])


def test_an_owner_only_frame_still_takes_its_owners_photos(world):
    ben = world.user("Ben")
    frame = world.frame(ben, policy="owner")
    assert send(world, ben, [frame])["deliveries"]


def test_a_chosen_senders_frame_takes_photos_from_the_friends_chosen(world):
    ana, ben, dan = world.user("Ana"), world.user("Ben"), world.user("Dan")
    world.befriend(ana, ben)
    world.befriend(dan, ben)
    frame = world.frame(ben, policy="chosen", allowed=(ana.user_id,))
    assert send(world, ana, [frame])["deliveries"]
    with pytest.raises(Forbidden):
        send(world, dan, [frame])


def test_being_chosen_is_not_enough_without_being_friends(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    frame = world.frame(ben, policy="chosen", allowed=(ana.user_id,))
    with pytest.raises(Forbidden):
        send(world, ana, [frame])


def test_after_unfriending_the_frame_is_closed(world, family):
    ana, ben, _, frame = family
    send(world, ana, [frame])
    friends.remove(world.deps, ben.user_id, ana.user_id)
    with pytest.raises(Forbidden):
        send(world, ana, [frame])


def test_a_pending_request_does_not_open_a_frame(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    friends.send_request(world.deps, ana.user_id, SendFriendRequest(friend_code=ben.friend_code))
    with pytest.raises(Forbidden):
        send(world, ana, [world.frame(ben)])


def test_one_frame_not_allowed_refuses_the_whole_share_and_writes_nothing(world, family):
    ana, _, cleo, frame = family
    cleos = world.frame(cleo)
    with pytest.raises(Forbidden):
        send(world, ana, [frame, cleos])
    assert world.shares.shares == {}
    assert world.frame_channel.published == []
    assert world.timers.pending == []


def test_targets_are_my_frames_and_my_friends_frames_that_allow_me(world):
    ana, ben, cleo = world.user("Ana"), world.user("Ben"), world.user("Cleo")
    world.befriend(ana, ben)
    world.befriend(ana, cleo)
    mine = world.frame(ana, "Hall")
    bens = world.frame(ben, "Kitchen")
    world.frame(cleo, "Study", policy="owner")
    world.frame(world.user("Dan"), "Attic")
    found = sharing.targets(world.deps, ana.user_id)
    assert [(t["frameId"], t["ownerName"]) for t in found] == [
        (mine.frame_id, "Ana"),
        (bens.frame_id, "Ben"),
    ]


# --- what is sent where -------------------------------------------------------------------------


def test_a_photo_that_is_not_ready_cannot_be_sent(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        send(world, ana, [world.frame(ana)], world.photo(ana, state="pending"))
    assert err.value.field == "imageId"


def test_a_deleted_photo_cannot_be_sent(world):
    ana = world.user("Ana")
    with pytest.raises(NotFound):
        send(world, ana, [world.frame(ana)], world.photo(ana, state="deleted"))


def test_someone_elses_photo_cannot_be_sent(world, family):
    ana, ben, _, frame = family
    with pytest.raises(NotFound):
        send(world, ana, [frame], world.photo(ben))


def test_image_id_is_required(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        sharing.create(
            world.deps,
            ana.user_id,
            command(SendPhoto, {"imageId": None, "frameIds": [world.frame(ana).frame_id]}),
        )
    assert err.value.field == "imageId"


@pytest.mark.parametrize("frame_ids", [[], "frm_x", [1], None])
def test_frame_ids_must_be_a_list_of_one_or_more_ids(world, frame_ids):
    ana = world.user("Ana")
    photo = world.photo(ana)
    with pytest.raises(ValidationFailed) as err:
        sharing.create(
            world.deps,
            ana.user_id,
            command(SendPhoto, {"imageId": photo.image_id, "frameIds": frame_ids}),
        )
    assert err.value.field == "frameIds"


def test_at_most_twenty_frames_at_once(world):
    ana = world.user("Ana")
    frames = [world.frame(ana, f"F{i}") for i in range(21)]
    with pytest.raises(ValidationFailed):
        send(world, ana, frames)
    assert len(send(world, ana, frames[:20])["deliveries"]) == 20


def test_a_frame_named_twice_gets_the_photo_once(world):
    ana = world.user("Ana")
    frame = world.frame(ana)
    share = send(world, ana, [frame, frame])
    assert len(share["deliveries"]) == 1
    assert frame.active_items == 1


def test_friends_frames_show_who_sent_the_photo(world, family):
    ana, _, _, frame = family
    send(world, ana, [frame], caption="  Hello   from   Lisbon ")
    assert world.render.calls[-1][3:] == ("Hello from Lisbon", "from Ana")


def test_my_own_frame_shows_no_sender(world):
    ana = world.user("Ana")
    send(world, ana, [world.frame(ana)])
    assert world.render.calls[-1][4] is None


def test_a_frame_without_the_status_line_shows_no_sender(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    send(world, ana, [world.frame(ben, show_status=False)])
    assert world.render.calls[-1][4] is None


def test_a_caption_longer_than_140_characters_is_refused(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        send(world, ana, [world.frame(ana)], caption="x" * 141)
    assert err.value.field == "caption"


def test_every_frame_is_told_once(world, family):
    ana, _, _, frame = family
    mine = world.frame(ana)
    send(world, ana, [frame, mine])
    assert sorted(world.frame_channel.published) == sorted([frame.frame_id, mine.frame_id])


def test_each_frame_counts_its_live_photos(world, family):
    ana, _, _, frame = family
    send(world, ana, [frame])
    send(world, ana, [frame])
    assert frame.active_items == 2


def test_the_sender_counts_one_sent_and_each_other_owner_one_received(world, family):
    ana, ben, _, frame = family
    second = world.frame(ben, "Ben's hall")
    send(world, ana, [frame, second, world.frame(ana)])
    counts = world.activity.counts
    assert counts[(ana.user_id, "sent")] == 1
    assert counts[(ben.user_id, "received")] == 1
    assert (ana.user_id, "received") not in counts
    assert world.activity.kinds(ben.user_id) == ["photo_received"]


def test_the_share_remembers_the_first_frames_thumbnail(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    stored = world.shares.get(share["shareId"])
    assert stored.thumbnail_key.endswith("-thumbnail.jpg")


# --- how full a frame may get ------------------------------------------------------------------


def test_a_full_frame_refuses_another_photo(world):
    world = World(max_items_per_frame=3)
    ana = world.user("Ana")
    frame = world.frame(ana)
    for _ in range(3):
        send(world, ana, [frame])
    with pytest.raises(Conflict, match=r"is full \(3 photos\)"):
        send(world, ana, [frame])
    assert frame.active_items == 3


def test_a_full_frame_refuses_the_whole_share_before_anything_is_written(world):
    world = World(max_items_per_frame=1)
    ana = world.user("Ana")
    roomy, full = world.frame(ana, "Roomy"), world.frame(ana, "Full")
    send(world, ana, [full])
    shares_before = dict(world.shares.shares)
    with pytest.raises(Conflict, match="Full"):
        send(world, ana, [roomy, full])
    assert world.shares.shares == shares_before
    assert roomy.active_items == 0


def test_sending_the_same_photo_again_to_a_full_frame_refreshes_it(world):
    world = World(max_items_per_frame=2)
    ana = world.user("Ana")
    frame = world.frame(ana)
    photo = world.photo(ana)
    first = send(world, ana, [frame], photo)
    send(world, ana, [frame])
    again = send(world, ana, [frame], photo)
    assert world.shares.delivery(frame.frame_id, first["shareId"]).state == "removed"
    assert world.shares.delivery(frame.frame_id, again["shareId"]).state == "queued"
    assert frame.active_items == 2


def test_photos_taken_off_make_room_again(world):
    world = World(max_items_per_frame=1)
    ana = world.user("Ana")
    frame = world.frame(ana)
    first = send(world, ana, [frame])
    sharing.remove(world.deps, ana.user_id, first["shareId"], frame.frame_id)
    assert send(world, ana, [frame])["deliveries"]


def test_expired_photos_make_room_again(world):
    world = World(max_items_per_frame=1)
    ana = world.user("Ana")
    frame = world.frame(ana)
    first = send(world, ana, [frame])
    world.clock.advance(hours=24)
    sharing.expire(world.deps, first["shareId"])
    assert send(world, ana, [frame])["deliveries"]


# --- how long a photo stays ---------------------------------------------------------------------


def test_a_photo_stays_a_day_unless_told_otherwise(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    due = world.clock() + timedelta(hours=24)
    assert world.shares.get(share["shareId"]).expires_at == due
    assert world.timers.of(jobs.EXPIRE_SHARES) == [(due, {"shareId": share["shareId"]})]


@pytest.mark.parametrize(
    ("duration", "span"),
    [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30))],
)
def test_a_chosen_duration_sets_the_expiry_and_its_timer(world, duration, span):
    ana = world.user("Ana")
    share = send(world, ana, [world.frame(ana)], duration=duration)
    assert world.timers.of(jobs.EXPIRE_SHARES)[0][0] == world.clock() + span
    assert share["expiresAt"] is not None


def test_a_photo_until_removed_has_no_expiry_timer(world):
    ana = world.user("Ana")
    share = send(world, ana, [world.frame(ana)], duration="forever")
    assert share["expiresAt"] is None
    assert world.timers.of(jobs.EXPIRE_SHARES) == []


def test_the_photos_renditions_are_kept_as_long_as_its_longest_share(world):
    ana = world.user("Ana")
    frame = world.frame(ana)
    photo = world.photo(ana)
    send(world, ana, [frame], photo, duration="7d")
    send(world, ana, [frame], photo, duration="24h")
    assert photo.shares_until == world.clock() + timedelta(days=7)
    send(world, ana, [frame], photo, duration="forever")
    assert photo.shares_until == sharing.FOREVER


def test_an_explicit_expiry_time_is_used_as_given(world):
    ana = world.user("Ana")
    when = world.clock() + timedelta(hours=3)
    share = send(world, ana, [world.frame(ana)], expires_at=when.isoformat())
    assert world.shares.get(share["shareId"]).expires_at == when


def test_expiring_before_the_time_changes_nothing(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    world.clock.advance(hours=23)
    assert sharing.expire(world.deps, share["shareId"]) is False
    assert world.shares.delivery(frame.frame_id, share["shareId"]).state == "queued"


def test_at_its_time_a_photo_leaves_every_frame(world, family):
    ana, _, _, frame = family
    mine = world.frame(ana)
    share = send(world, ana, [frame, mine])
    world.frame_channel.published.clear()
    world.clock.advance(hours=24)
    assert sharing.expire(world.deps, share["shareId"]) is True
    states = [d.state for d in world.shares.deliveries(world.shares.get(share["shareId"]))]
    assert states == ["expired", "expired"]
    assert frame.active_items == mine.active_items == 0
    assert sorted(world.frame_channel.published) == sorted([frame.frame_id, mine.frame_id])


def test_an_expired_share_is_purged_fourteen_days_after_its_end(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    ends = world.clock() + timedelta(hours=24)
    world.clock.advance(hours=25)
    sharing.expire(world.deps, share["shareId"])
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == [
        (ends + timedelta(days=14), {"shareId": share["shareId"]})
    ]


def test_expiring_twice_does_nothing_the_second_time(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    world.clock.advance(days=1)
    sharing.expire(world.deps, share["shareId"])
    world.frame_channel.published.clear()
    assert sharing.expire(world.deps, share["shareId"]) is False
    assert world.frame_channel.published == []
    assert frame.active_items == 0


def test_a_photo_until_removed_never_expires(world):
    ana = world.user("Ana")
    frame = world.frame(ana)
    share = send(world, ana, [frame], duration="forever")
    world.clock.advance(days=400)
    assert sharing.expire(world.deps, share["shareId"]) is False
    assert frame.active_items == 1


def test_expiring_a_share_that_is_gone_does_nothing(world):
    assert sharing.expire(world.deps, "shr_01JD2ZZ1B3D5F7H9K1M3P5R7T9") is False


def test_history_is_not_purged_while_a_delivery_is_live(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    assert sharing.purge(world.deps, share["shareId"]) is False
    assert world.shares.get(share["shareId"]) is not None


def test_an_ended_share_is_purged_with_its_deliveries(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    world.clock.advance(days=1)
    sharing.expire(world.deps, share["shareId"])
    assert sharing.purge(world.deps, share["shareId"]) is True
    assert world.shares.get(share["shareId"]) is None
    assert world.shares.delivery(frame.frame_id, share["shareId"]) is None


# --- taking a photo back -------------------------------------------------------------------------


def test_the_sender_takes_a_photo_off_a_friends_frame(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    sharing.remove(world.deps, ana.user_id, share["shareId"], frame.frame_id)
    assert world.shares.delivery(frame.frame_id, share["shareId"]).state == "removed"
    assert frame.active_items == 0


def test_the_frames_owner_takes_a_friends_photo_off(world, family):
    ana, ben, _, frame = family
    share = send(world, ana, [frame])
    sharing.remove(world.deps, ben.user_id, share["shareId"], frame.frame_id)
    assert world.shares.delivery(frame.frame_id, share["shareId"]).state == "removed"


def test_the_owner_of_one_frame_cannot_take_the_photo_off_another(world, family):
    ana, ben, _, frame = family
    mine = world.frame(ana)
    share = send(world, ana, [frame, mine])
    with pytest.raises(NotFound):
        sharing.remove(world.deps, ben.user_id, share["shareId"], mine.frame_id)
    assert world.shares.delivery(mine.frame_id, share["shareId"]).state == "queued"


def test_a_stranger_cannot_take_a_photo_off(world, family):
    ana, _, cleo, frame = family
    share = send(world, ana, [frame])
    with pytest.raises(NotFound):
        sharing.remove(world.deps, cleo.user_id, share["shareId"], frame.frame_id)


def test_taking_a_photo_off_twice_counts_it_once(world, family):
    ana, _, _, frame = family
    share = send(world, ana, [frame])
    send(world, ana, [frame])
    for _ in range(2):
        sharing.remove(world.deps, ana.user_id, share["shareId"], frame.frame_id)
    assert frame.active_items == 1


def test_a_photo_until_removed_taken_off_its_last_frame_is_purged_in_fourteen_days(world):
    ana = world.user("Ana")
    a, b = world.frame(ana, "A"), world.frame(ana, "B")
    share = send(world, ana, [a, b], duration="forever")
    sharing.remove(world.deps, ana.user_id, share["shareId"], a.frame_id)
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == []
    sharing.remove(world.deps, ana.user_id, share["shareId"], b.frame_id)
    assert world.timers.of(jobs.PURGE_SHARE_HISTORY) == [
        (world.clock() + timedelta(days=14), {"shareId": share["shareId"]})
    ]


# --- seeing a share ------------------------------------------------------------------------------


def test_the_sender_sees_every_delivery_and_an_owner_only_their_own(world, family):
    ana, ben, cleo, frame = family
    mine = world.frame(ana)
    share = send(world, ana, [frame, mine])
    seen_by_ana = sharing.get(world.deps, ana.user_id, share["shareId"])
    seen_by_ben = sharing.get(world.deps, ben.user_id, share["shareId"])
    assert [d["frameId"] for d in seen_by_ana["deliveries"]] == [frame.frame_id, mine.frame_id]
    assert [d["frameId"] for d in seen_by_ben["deliveries"]] == [frame.frame_id]
    with pytest.raises(NotFound):
        sharing.get(world.deps, cleo.user_id, share["shareId"])


def test_a_sleeping_frame_says_when_it_will_show_the_photo(world):
    ana = world.user("Ana")
    frame = world.frame(ana, online=False)
    frame.next_wake_at = "2026-11-29T18:00:00Z"
    share = send(world, ana, [frame])
    assert share["deliveries"][0]["expectedAt"] == "2026-11-29T18:00:00Z"


def test_a_frames_items_are_its_live_photos_newest_first(world, family):
    ana, ben, _, frame = family
    first = send(world, ana, [frame])
    second = send(world, ana, [frame], duration="forever")
    gone = send(world, ana, [frame])
    sharing.remove(world.deps, ana.user_id, gone["shareId"], frame.frame_id)
    world.clock.advance(days=1)  # the first has passed its time; the job has not run yet
    items = sharing.on_frame(world.deps, ben.user_id, frame)
    assert [i["shareId"] for i in items] == [second["shareId"]]
    assert first["shareId"] not in [i["shareId"] for i in items]


# --- show now ------------------------------------------------------------------------------------


def test_the_owner_asks_a_frame_to_show_a_photo_next(world, family):
    ana, ben, _, frame = family
    share = send(world, ana, [frame])
    world.frame_channel.published.clear()
    sharing.show_now(world.deps, ben.user_id, frame, share["shareId"])
    assert frame.show_next["shareId"] == share["shareId"]
    assert world.frame_channel.published == [frame.frame_id]


def test_the_sender_may_ask_for_their_own_photo_while_still_allowed(world, family):
    ana, ben, _, frame = family
    share = send(world, ana, [frame])
    sharing.show_now(world.deps, ana.user_id, frame, share["shareId"])
    friends.remove(world.deps, ben.user_id, ana.user_id)
    with pytest.raises(NotFound):
        sharing.show_now(world.deps, ana.user_id, frame, share["shareId"])


def test_a_friend_cannot_ask_for_someone_elses_photo(world, family):
    ana, ben, _, frame = family
    dan = world.user("Dan")
    world.befriend(dan, ben)
    share = send(world, ana, [frame])
    with pytest.raises(NotFound):
        sharing.show_now(world.deps, dan.user_id, frame, share["shareId"])


def test_a_photo_no_longer_on_the_frame_cannot_be_shown(world, family):
    ana, ben, _, frame = family
    share = send(world, ana, [frame])
    sharing.remove(world.deps, ana.user_id, share["shareId"], frame.frame_id)
    with pytest.raises(NotFound):
        sharing.show_now(world.deps, ben.user_id, frame, share["shareId"])


def test_show_now_needs_a_share_id(world, family):
    _, ben, _, frame = family
    with pytest.raises(ValidationFailed):
        sharing.show_now(world.deps, ben.user_id, frame, None)


# --- preview ---------------------------------------------------------------------------------------


def test_a_preview_is_refused_for_a_frame_one_may_not_send_to(world, family):
    ana, _, cleo, frame = family
    with pytest.raises(Forbidden):
        sharing.preview(world.deps, cleo.user_id, world.photo(cleo).image_id, frame.frame_id, None)


def test_a_preview_renders_what_the_share_would_send(world, family):
    ana, _, _, frame = family
    photo = world.photo(ana)
    shown = sharing.preview(world.deps, ana.user_id, photo.image_id, frame.frame_id, "Hi")
    share = send(world, ana, [frame], photo, caption="Hi")
    assert len(world.render.calls) == 1  # the share took the preview's file as it is
    previewed = world.render.made[world.render.calls[0]]
    assert world.shares.delivery(frame.frame_id, share["shareId"]).file_key == previewed["key"]
    assert shown["previewUrl"].startswith("https://media.test/renditions/")
