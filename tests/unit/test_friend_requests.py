"""Friend requests: asking, answering, duplicates, blocking, limits and the 30-day rejection."""

from __future__ import annotations

import pytest

from chalicelib.api.models.friends import SendFriendRequest
from chalicelib.domain import jobs
from chalicelib.domain.errors import Conflict, NotFound, RateLimited, ValidationFailed
from chalicelib.services import friends
from tests.unit.fakes import World


def ask(world: World, sender, recipient, *, by_email: bool = False) -> dict:
    if by_email:
        return friends.send_request(
            world.deps, sender.user_id, SendFriendRequest(email=recipient.email)
        )
    return friends.send_request(
        world.deps, sender.user_id, SendFriendRequest(friend_code=recipient.friend_code)
    )


# --- asking ---------------------------------------------------------------------------------


def test_a_request_by_friend_code_leaves_outgoing_on_one_side_and_incoming_on_the_other(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    answer = ask(world, ana, ben)
    assert answer == {"userId": ben.user_id, "displayName": "Ben", "state": "outgoing"}
    assert world.state(ana, ben) == "outgoing"
    assert world.state(ben, ana) == "incoming"


def test_each_side_carries_the_other_persons_name(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    assert world.friendships.get(ana.user_id, ben.user_id).other_name == "Ben"
    assert world.friendships.get(ben.user_id, ana.user_id).other_name == "Ana"


def test_a_friend_code_is_found_however_it_is_typed(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    typed = ben.friend_code.replace("-", " ").lower()
    assert (
        friends.send_request(world.deps, ana.user_id, SendFriendRequest(friend_code=typed))["state"]
        == "outgoing"
    )


@pytest.mark.parametrize("code", ["", "ABC", "ABCD-EFG0", "ABCD-EFGI", "ABCD-EFGH-J"])
def test_something_that_cannot_be_a_friend_code_is_a_validation_error(world, code):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        friends.send_request(world.deps, ana.user_id, SendFriendRequest(friend_code=code))
    assert err.value.field == "friendCode"


def test_an_unknown_friend_code_finds_no_one(world):
    ana = world.user("Ana")
    with pytest.raises(NotFound):
        friends.send_request(world.deps, ana.user_id, SendFriendRequest(friend_code="ABCD-EFGH"))


def test_your_own_friend_code_is_refused(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed, match="your own friend code"):
        ask(world, ana, ana)


def test_your_own_address_is_refused(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed, match="your own address"):
        ask(world, ana, ana, by_email=True)


def test_a_request_by_email_finds_someone_who_can_be_found(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    assert ask(world, ana, ben, by_email=True)["state"] == "outgoing"


def test_an_email_address_is_matched_without_regard_to_case_or_spaces(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    answer = friends.send_request(
        world.deps, ana.user_id, SendFriendRequest(email="  BEN@Example.com ")
    )
    assert answer["userId"] == ben.user_id


def test_a_malformed_email_address_is_a_validation_error(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        friends.send_request(world.deps, ana.user_id, SendFriendRequest(email="not an address"))
    assert err.value.field == "email"


def test_someone_who_is_not_findable_looks_exactly_like_no_one(world):
    ana, ben = world.user("Ana"), world.user("Ben", findable=False)
    with pytest.raises(NotFound) as hidden:
        ask(world, ana, ben, by_email=True)
    with pytest.raises(NotFound) as nobody:
        friends.send_request(world.deps, ana.user_id, SendFriendRequest(email="nobody@example.com"))
    assert str(hidden.value) == str(nobody.value)
    assert hidden.value.field == nobody.value.field == "email"


def test_someone_not_findable_is_still_reached_by_their_friend_code(world):
    ana, ben = world.user("Ana"), world.user("Ben", findable=False)
    assert ask(world, ana, ben)["state"] == "outgoing"


def test_someone_not_findable_who_asked_you_first_can_be_answered_by_email(world):
    ana, ben = world.user("Ana"), world.user("Ben", findable=False)
    ask(world, ben, ana)
    assert ask(world, ana, ben, by_email=True)["state"] == "friends"


# --- duplicates and crossing requests ---------------------------------------------------------


def test_asking_twice_is_a_conflict(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    with pytest.raises(Conflict, match="already sent"):
        ask(world, ana, ben)


def test_asking_someone_who_is_already_a_friend_is_a_conflict(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    with pytest.raises(Conflict, match="already friends"):
        ask(world, ana, ben)


def test_a_request_back_to_someone_who_asked_first_makes_both_friends(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    assert ask(world, ben, ana)["state"] == "friends"
    assert world.state(ana, ben) == world.state(ben, ana) == "friends"


def test_a_request_back_cancels_the_first_requests_rejection_timer(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    ask(world, ben, ana)
    assert world.timers.of(jobs.REJECT_STALE_REQUESTS) == []


# --- what a request sets in motion ------------------------------------------------------------


def test_a_request_schedules_its_rejection_thirty_days_later(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    due = world.clock() + friends.REQUEST_LIFETIME
    assert world.timers.of(jobs.REJECT_STALE_REQUESTS) == [
        (due, {"to": ben.user_id, "from": ana.user_id})
    ]


def test_the_recipient_sees_the_request_in_their_activity(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    assert world.activity.kinds(ben.user_id) == ["friend_request"]
    assert world.activity.kinds(ana.user_id) == []


def test_the_recipient_is_mailed_only_when_they_asked_for_it(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    cleo = world.user("Cleo", notify=("friendRequest",))
    ask(world, ana, ben)
    ask(world, ana, cleo)
    assert [(to, subject) for to, subject, _ in world.mailer.sent] == [
        ("cleo@example.com", "Ana wants to be friends on Shareframe")
    ]
    assert "https://shareframe.test/friends" in world.mailer.sent[0][2]


def test_thirty_requests_an_hour_then_a_rate_limit(world):
    ana = world.user("Ana")
    others = [world.user(f"U{i}") for i in range(friends.REQUESTS_PER_HOUR + 1)]
    for other in others[:-1]:
        ask(world, ana, other)
    with pytest.raises(RateLimited):
        ask(world, ana, others[-1])


def test_the_request_limit_starts_again_the_next_hour(world):
    ana = world.user("Ana")
    others = [world.user(f"U{i}") for i in range(friends.REQUESTS_PER_HOUR + 1)]
    for other in others[:-1]:
        ask(world, ana, other)
    world.clock.advance(hours=1)
    assert ask(world, ana, others[-1])["state"] == "outgoing"


def test_the_request_limit_is_per_sender(world):
    ana, ben, cleo = world.user("Ana"), world.user("Ben"), world.user("Cleo")
    for i in range(friends.REQUESTS_PER_HOUR):
        ask(world, ana, world.user(f"U{i}"))
    with pytest.raises(RateLimited):
        ask(world, ana, cleo)
    assert ask(world, ben, cleo)["state"] == "outgoing"


# --- answering ----------------------------------------------------------------------------------


def test_accepting_makes_both_sides_friends(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    friends.accept(world.deps, ben.user_id, ana.user_id)
    assert world.state(ana, ben) == world.state(ben, ana) == "friends"


def test_accepting_tells_the_sender(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    friends.accept(world.deps, ben.user_id, ana.user_id)
    assert world.activity.kinds(ana.user_id) == ["friend_accepted"]


def test_accepting_cancels_the_rejection_timer(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    world.clock.advance(days=3)
    friends.accept(world.deps, ben.user_id, ana.user_id)
    assert world.timers.of(jobs.REJECT_STALE_REQUESTS) == []


def test_friendship_dates_from_the_acceptance(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    accepted_at = world.clock.advance(days=2)
    friends.accept(world.deps, ben.user_id, ana.user_id)
    assert friends.listing(world.deps, ana.user_id, "friends")[0]["since"] == (
        accepted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def test_the_sender_cannot_accept_their_own_request(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    with pytest.raises(NotFound):
        friends.accept(world.deps, ana.user_id, ben.user_id)
    assert world.state(ana, ben) == "outgoing"


def test_rejecting_removes_both_sides(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    friends.reject(world.deps, ben.user_id, ana.user_id)
    assert world.state(ana, ben) is None and world.state(ben, ana) is None


def test_after_a_rejection_the_sender_may_ask_again(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    friends.reject(world.deps, ben.user_id, ana.user_id)
    assert ask(world, ana, ben)["state"] == "outgoing"


def test_the_sender_cancels_their_request(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    friends.cancel(world.deps, ana.user_id, ben.user_id)
    assert world.state(ana, ben) is None and world.state(ben, ana) is None
    assert world.timers.of(jobs.REJECT_STALE_REQUESTS) == []


def test_the_recipient_cannot_cancel_a_request_they_received(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    with pytest.raises(NotFound):
        friends.cancel(world.deps, ben.user_id, ana.user_id)


@pytest.mark.parametrize("answer", [friends.accept, friends.reject, friends.cancel])
def test_answering_a_request_that_does_not_exist_is_not_found(world, answer):
    ana, ben = world.user("Ana"), world.user("Ben")
    with pytest.raises(NotFound):
        answer(world.deps, ana.user_id, ben.user_id)


@pytest.mark.parametrize("answer", [friends.accept, friends.reject, friends.cancel])
def test_answering_with_something_that_is_not_a_user_id_is_not_found(world, answer):
    ana = world.user("Ana")
    with pytest.raises(NotFound):
        answer(world.deps, ana.user_id, "frm_01JD2ZZ1B3D5F7H9K1M3P5R7T9")


def test_a_request_answered_by_someone_else_meanwhile_is_a_conflict(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    original_settle = world.friendships.settle

    def cancelled_first(user_id, other_id, expect, then, at):
        original_settle(ana.user_id, ben.user_id, "outgoing", None, at)  # Ana cancels first
        return original_settle(user_id, other_id, expect, then, at)

    world.friendships.settle = cancelled_first
    with pytest.raises(Conflict, match="just changed"):
        friends.accept(world.deps, ben.user_id, ana.user_id)


# --- removing and blocking ------------------------------------------------------------------------


def test_removing_a_friend_ends_the_friendship_on_both_sides(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    friends.remove(world.deps, ana.user_id, ben.user_id)
    assert not friends.are_friends(world.deps, ana.user_id, ben.user_id)
    assert not friends.are_friends(world.deps, ben.user_id, ana.user_id)


def test_removing_someone_who_is_not_a_friend_is_not_found(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    with pytest.raises(NotFound):
        friends.remove(world.deps, ana.user_id, ben.user_id)
    assert world.state(ana, ben) == "outgoing"


def test_a_blocked_user_learns_nothing_from_asking(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    friends.block(world.deps, ben.user_id, ana.user_id)
    with pytest.raises(NotFound) as err:
        ask(world, ana, ben)
    assert "No one with this friend code" in str(err.value)


def test_a_blocked_user_learns_nothing_from_asking_by_email(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    friends.block(world.deps, ben.user_id, ana.user_id)
    with pytest.raises(NotFound):
        ask(world, ana, ben, by_email=True)


def test_blocking_a_friend_ends_the_friendship(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    friends.block(world.deps, ana.user_id, ben.user_id)
    assert world.state(ana, ben) == "blocked"
    assert world.state(ben, ana) is None
    assert not friends.are_friends(world.deps, ben.user_id, ana.user_id)


def test_blocking_someone_with_a_pending_request_drops_their_request(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ben, ana)
    friends.block(world.deps, ana.user_id, ben.user_id)
    assert world.state(ana, ben) == "blocked"
    assert world.state(ben, ana) is None


def test_two_people_may_block_each_other_and_both_blocks_stay(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    friends.block(world.deps, ana.user_id, ben.user_id)
    friends.block(world.deps, ben.user_id, ana.user_id)
    assert world.state(ana, ben) == world.state(ben, ana) == "blocked"


def test_you_cannot_block_yourself(world):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed):
        friends.block(world.deps, ana.user_id, ana.user_id)


def test_blocking_someone_who_does_not_exist_is_not_found(world):
    ana = world.user("Ana")
    with pytest.raises(NotFound):
        friends.block(world.deps, ana.user_id, "usr_01JD2ZZ1B3D5F7H9K1M3P5R7T9")


def test_the_blocker_may_still_ask_the_person_they_blocked(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    friends.block(world.deps, ana.user_id, ben.user_id)
    with pytest.raises(NotFound):
        ask(world, ben, ana)
    friends.unblock(world.deps, ana.user_id, ben.user_id)
    assert ask(world, ben, ana)["state"] == "outgoing"


def test_unblocking_someone_not_blocked_is_not_found(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    with pytest.raises(NotFound):
        friends.unblock(world.deps, ana.user_id, ben.user_id)
    assert world.state(ana, ben) == "friends"


def test_lists_show_each_state_separately(world):
    ana, ben, cleo, dan, eve = (world.user(n) for n in ("Ana", "Ben", "Cleo", "Dan", "Eve"))
    world.befriend(ana, ben)
    ask(world, ana, cleo)
    ask(world, dan, ana)
    friends.block(world.deps, ana.user_id, eve.user_id)
    names = {
        state: [i["displayName"] for i in friends.listing(world.deps, ana.user_id, state)]
        for state in ("friends", "outgoing", "incoming", "blocked")
    }
    assert names == {
        "friends": ["Ben"],
        "outgoing": ["Cleo"],
        "incoming": ["Dan"],
        "blocked": ["Eve"],
    }


def test_no_one_is_their_own_friend(world):
    ana = world.user("Ana")
    assert not friends.are_friends(world.deps, ana.user_id, ana.user_id)


# --- the 30-day rejection job ---------------------------------------------------------------


def test_a_request_pending_for_thirty_days_is_rejected(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    world.clock.advance(days=30)
    assert friends.reject_stale(world.deps, ben.user_id, ana.user_id) is True
    assert world.state(ana, ben) is None and world.state(ben, ana) is None


def test_a_request_younger_than_thirty_days_is_left_alone(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    world.clock.advance(days=29, hours=23)
    assert friends.reject_stale(world.deps, ben.user_id, ana.user_id) is False
    assert world.state(ben, ana) == "incoming"


def test_the_rejection_job_leaves_an_accepted_request_alone(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    ask(world, ana, ben)
    friends.accept(world.deps, ben.user_id, ana.user_id)
    world.clock.advance(days=31)
    assert friends.reject_stale(world.deps, ben.user_id, ana.user_id) is False
    assert world.state(ana, ben) == "friends"


def test_the_rejection_job_does_nothing_for_a_request_already_gone(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    assert friends.reject_stale(world.deps, ben.user_id, ana.user_id) is False
