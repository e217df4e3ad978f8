"""Friends, who may send where, resending, removal by either side, history and the dashboard."""

import json

import pytest

from chalicelib.adapters.tables import FrameRecord
from chalicelib.config import settings
from tests.integration.conftest import (
    call,
    drain_renders,
    frame_reports,
    pair_frame,
    published,
    signup,
    upload_photo,
)
from tests.integration.ddb_meter import metered


def body(response):
    return json.loads(response.body)


def befriend(client, a, b):
    code = body(call(client, "GET", "/me", user=b))["friendCode"]
    assert call(client, "POST", "/friends/requests", {"friendCode": code}, a).status_code == 201
    assert call(client, "POST", f"/friends/requests/{a.user_id}/accept", None, b).status_code == 200


def send(client, user, image_id, frame_ids, **extra):
    """Send, then let the rendition workers make the files."""
    response = call(
        client, "POST", "/shares", {"imageId": image_id, "frameIds": frame_ids, **extra}, user
    )
    drain_renders(client)
    return response


@pytest.fixture
def family(client):
    ana = signup(client, "ana@example.com", name="Ana")
    bob = signup(client, "bob@example.com", name="Bob")
    frame = pair_frame(client, bob, name="Grandma's kitchen")
    return ana, bob, frame


def test_friends_can_send_to_each_others_frames_and_strangers_cannot(client, family):
    ana, bob, frame = family
    photo = upload_photo(client, ana)
    assert send(client, ana, photo, [frame["frameId"]]).status_code == 403
    befriend(client, ana, bob)
    assert [
        f["frameId"] for f in body(call(client, "GET", "/frames/targets", user=ana))["items"]
    ] == [frame["frameId"]]
    response = send(client, ana, photo, [frame["frameId"]])
    assert response.status_code == 201
    # the frame owner sees it on the frame and in "received"
    received = body(call(client, "GET", "/shares?direction=received", user=bob))["items"]
    assert [s["shareId"] for s in received] == [body(response)["shareId"]]
    assert received[0]["senderName"] == "Ana"


def test_an_ex_friend_loses_access_at_once(client, family):
    ana, bob, frame = family
    befriend(client, ana, bob)
    photo = upload_photo(client, ana)
    assert send(client, ana, photo, [frame["frameId"]]).status_code == 201
    assert call(client, "DELETE", f"/friends/{bob.user_id}", None, ana).status_code == 204
    assert send(client, ana, photo, [frame["frameId"]]).status_code == 403
    assert body(call(client, "GET", "/friends", user=bob))["items"] == []


def test_a_blocked_user_can_neither_ask_nor_send(client, family):
    ana, bob, frame = family
    befriend(client, ana, bob)
    assert call(client, "POST", "/blocks", {"userId": ana.user_id}, bob).status_code == 201
    photo = upload_photo(client, ana)
    assert send(client, ana, photo, [frame["frameId"]]).status_code == 403
    code = body(call(client, "GET", "/me", user=bob))["friendCode"]
    again = call(client, "POST", "/friends/requests", {"friendCode": code}, ana)
    assert again.status_code == 404  # the blocked user learns nothing


def test_a_friend_without_permission_on_that_frame_is_refused(client, family):
    ana, bob, frame = family
    carl = signup(client, "carl@example.com", name="Carl")
    befriend(client, ana, bob)
    befriend(client, carl, bob)
    patch = call(
        client,
        "PATCH",
        f"/frames/{frame['frameId']}",
        {"sendPolicy": "chosen", "allowedSenders": [carl.user_id]},
        bob,
    )
    assert patch.status_code == 200
    assert send(client, ana, upload_photo(client, ana), [frame["frameId"]]).status_code == 403
    assert send(client, carl, upload_photo(client, carl), [frame["frameId"]]).status_code == 201
    call(client, "PATCH", f"/frames/{frame['frameId']}", {"sendPolicy": "owner"}, bob)
    assert send(client, carl, upload_photo(client, carl), [frame["frameId"]]).status_code == 403


def test_a_friend_code_works_even_for_people_not_findable_by_email(client, family):
    ana, bob, _ = family
    call(client, "PATCH", "/me", {"findable": False}, bob)
    code = body(call(client, "GET", "/me", user=bob))["friendCode"]
    assert call(client, "POST", "/friends/requests", {"friendCode": code}, ana).status_code == 201


def test_people_who_allow_it_are_found_by_their_exact_email_address(client, family):
    ana, bob, _ = family
    carl = signup(client, "carl@example.com", name="Carl")
    call(client, "PATCH", "/me", {"findable": False}, carl)

    found = call(client, "POST", "/friends/requests", {"email": "BOB@example.com "}, ana)
    hidden = call(client, "POST", "/friends/requests", {"email": "carl@example.com"}, ana)
    nobody = call(client, "POST", "/friends/requests", {"email": "dora@example.com"}, ana)
    bad = call(client, "POST", "/friends/requests", {"email": "not an address"}, ana)

    assert found.status_code == 201 and body(found)["displayName"] == "Bob"
    assert hidden.status_code == nobody.status_code == 404
    assert body(hidden)["error"]["message"] == body(nobody)["error"]["message"]
    assert bad.status_code == 400


def test_requests_can_be_rejected_and_cancelled(client, family):
    ana, bob, _ = family
    code = body(call(client, "GET", "/me", user=bob))["friendCode"]
    call(client, "POST", "/friends/requests", {"friendCode": code}, ana)
    assert (
        body(call(client, "GET", "/friends/requests?direction=incoming", user=bob))["items"][0][
            "userId"
        ]
        == ana.user_id
    )
    assert (
        call(client, "POST", f"/friends/requests/{ana.user_id}/reject", None, bob).status_code
        == 200
    )
    assert (
        body(call(client, "GET", "/friends/requests?direction=outgoing", user=ana))["items"] == []
    )
    call(client, "POST", "/friends/requests", {"friendCode": code}, ana)
    assert (
        call(client, "POST", f"/friends/requests/{bob.user_id}/cancel", None, ana).status_code
        == 200
    )
    assert (
        call(client, "POST", f"/friends/requests/{ana.user_id}/accept", None, bob).status_code
        == 404
    )


def test_every_state_transition_is_recorded_and_seen_by_sender_and_owner(client, family):
    ana, bob, frame = family
    befriend(client, ana, bob)
    share = body(send(client, ana, upload_photo(client, ana), [frame["frameId"]]))
    fid, sid = frame["frameId"], share["shareId"]
    states = [share["deliveries"][0]["state"]]
    for kind in ("delivered", "displayed"):
        frame_reports(client, fid, type=kind, shareId=sid, eventId=kind)
        states.append(
            body(call(client, "GET", f"/shares/{sid}", user=ana))["deliveries"][0]["state"]
        )
    assert states == ["queued", "delivered", "displayed"]
    as_owner = body(call(client, "GET", f"/shares/{sid}", user=bob))
    assert as_owner["deliveries"][0]["state"] == "displayed"
    dashboard = body(call(client, "GET", "/dashboard", user=ana))
    assert dashboard["sentThisWeek"] == 1
    assert dashboard["activity"][-1]["displayed"] == 1
    assert {e["type"] for e in dashboard["recent"]} >= {"photo_displayed", "friend_accepted"}


@pytest.mark.parametrize("remover", ["sender", "owner"])
def test_either_side_can_take_a_photo_off_the_frame(client, family, remover):
    ana, bob, frame = family
    befriend(client, ana, bob)
    share = body(send(client, ana, upload_photo(client, ana), [frame["frameId"]]))
    who = ana if remover == "sender" else bob
    url = f"/shares/{share['shareId']}/frames/{frame['frameId']}"
    assert call(client, "DELETE", url, None, who).status_code == 204
    _, desired = published()[-1]
    assert desired["items"] == []
    assert (
        body(call(client, "GET", f"/shares/{share['shareId']}", user=ana))["deliveries"][0]["state"]
        == "removed"
    )
    assert FrameRecord.get(frame["frameId"]).active_items == 0


def test_a_stranger_cannot_remove_or_see_a_share(client, family):
    ana, bob, frame = family
    eve = signup(client, "eve@example.com", name="Eve")
    befriend(client, ana, bob)
    share = body(send(client, ana, upload_photo(client, ana), [frame["frameId"]]))
    url = f"/shares/{share['shareId']}/frames/{frame['frameId']}"
    assert call(client, "DELETE", url, None, eve).status_code == 404
    assert call(client, "GET", f"/shares/{share['shareId']}", user=eve).status_code == 404


def test_sending_the_same_photo_again_refreshes_it_and_shows_it_first(client, family):
    ana, bob, frame = family
    befriend(client, ana, bob)
    first_photo, second_photo = upload_photo(client, ana), upload_photo(client, ana)
    first = body(send(client, ana, first_photo, [frame["frameId"]], duration="24h"))
    body(send(client, ana, second_photo, [frame["frameId"]]))
    again = body(send(client, ana, first_photo, [frame["frameId"]], duration="7d"))
    _, desired = published()[-1]
    assert [i["shareId"] for i in desired["items"]][0] == again["shareId"]
    assert first["shareId"] not in [i["shareId"] for i in desired["items"]]
    assert len(desired["items"]) == 2


def test_a_full_frame_refuses_more_photos_with_a_clear_error(client, family):
    ana, bob, frame = family
    object.__setattr__(settings(), "max_items_per_frame", 2)
    try:
        for _ in range(2):
            assert (
                send(client, bob, upload_photo(client, bob), [frame["frameId"]]).status_code == 201
            )
        full = send(client, bob, upload_photo(client, bob), [frame["frameId"]])
        assert full.status_code == 409
        assert "full" in body(full)["error"]["message"]
    finally:
        object.__setattr__(settings(), "max_items_per_frame", 50)


def test_the_largest_desired_state_fits_iot_cores_message_limit(client, family):
    _, bob, frame = family
    photo = upload_photo(client, bob)
    share = body(send(client, bob, photo, [frame["frameId"]], caption="x" * 140))
    _, desired = published()[-1]
    item = desired["items"][0]
    # In Lambda, presigned URLs also carry the role's session token (about 1.1 KB).
    item["file"]["url"] += "&X-Amz-Security-Token=" + "T" * 1100
    item["senderName"] = "N" * 60
    full = dict(desired, items=[item] * settings().max_items_per_frame)
    assert share["shareId"]
    assert len(json.dumps(full, separators=(",", ":")).encode()) < 128 * 1024


def test_durations_and_bad_send_input_are_checked(client, family):
    _, bob, frame = family
    photo = upload_photo(client, bob)
    fid = frame["frameId"]
    for extra, field in (
        ({"duration": "3y"}, "duration"),
        ({"expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt"),
        ({"expiresAt": "not a date"}, "expiresAt"),
        ({"caption": "x" * 141}, "caption"),
        ({"duration": "24h", "expiresAt": "2030-01-01T00:00:00Z"}, "duration"),
    ):
        response = send(client, bob, photo, [fid], **extra)
        assert response.status_code == 400, extra
        assert body(response)["error"]["field"] == field
    assert send(client, bob, photo, []).status_code == 400
    assert send(client, bob, "img_nope", [fid]).status_code == 404
    forever = body(send(client, bob, photo, [fid], duration="forever"))
    assert forever["expiresAt"] is None


def test_dashboard_and_lists_cost_the_same_with_thousands_of_items_as_with_ten(client, family):
    _, bob, frame = family
    from datetime import timedelta

    from chalicelib.adapters.tables import ActivityRecord, DeliveryRecord, ImageRecord, ShareRecord
    from chalicelib.domain.ids import new_id
    from chalicelib.domain.timefmt import iso, utcnow

    def grow(n):
        now = utcnow()
        with (
            ImageRecord.batch_write() as images,
            ShareRecord.batch_write() as shares,
            DeliveryRecord.batch_write() as deliveries,
            ActivityRecord.batch_write() as feed,
        ):
            for i in range(n):
                image_id, share_id = new_id("img"), new_id("shr")
                images.save(
                    ImageRecord(
                        bob.user_id,
                        image_id,
                        state="ready",
                        content_type="image/jpeg",
                        declared_bytes=1,
                        created_at=now,
                    )
                )
                shares.save(
                    ShareRecord(
                        share_id,
                        sender_id=bob.user_id,
                        sender_name="Bob",
                        image_id=image_id,
                        created_at=iso(now - timedelta(seconds=i)),
                        frame_ids=[frame["frameId"]],
                    )
                )
                deliveries.save(
                    DeliveryRecord(
                        frame["frameId"],
                        share_id,
                        frame_owner_id=bob.user_id,
                        sender_id=bob.user_id,
                        sender_name="Bob",
                        image_id=image_id,
                        state="expired",
                        sent_at=now,
                        file_key="k",
                        file_sha256="0" * 64,
                        file_bytes=1,
                    )
                )
                feed.save(
                    ActivityRecord(
                        bob.user_id,
                        f"feed#{iso(now - timedelta(seconds=i))}#{i:05}",
                        kind="photo_received",
                        detail={},
                    )
                )

    def cost():
        calls = {}
        for path in (
            "/dashboard",
            "/images",
            "/shares?direction=sent",
            "/shares?direction=received",
        ):
            with metered() as meter:
                assert call(client, "GET", path, user=bob).status_code == 200
            calls[path] = meter.total_calls
        return calls

    grow(10)
    small = cost()
    grow(3000)
    large = cost()
    assert small == large, (small, large)
