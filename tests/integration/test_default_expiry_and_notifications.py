"""Over the API: the frame owner's default expiry, and the notifications page's feed."""

from datetime import timedelta

from chalicelib.domain.timefmt import utcnow
from chalicelib.services import activity
from tests.integration.conftest import call, pair_frame, upload_photo
from tests.integration.ddb_meter import metered
from tests.integration.test_friends_and_sharing import body, send


def test_the_owner_sets_the_default_and_the_sender_sees_and_gets_it(client, family):
    ana, bob, frame = family
    url = f"/frames/{frame['frameId']}"
    assert body(call(client, "GET", url, user=bob))["defaultDuration"] == "24h"

    changed = call(client, "PATCH", url, {"defaultDuration": "forever"}, bob)

    assert changed.status_code == 200 and body(changed)["defaultDuration"] == "forever"
    (target,) = body(call(client, "GET", "/frames/targets", user=ana))["items"]
    assert target["defaultDuration"] == "forever"
    share = body(send(client, ana, upload_photo(client, ana), [frame["frameId"]]))
    assert share["expiresAt"] is None and share["deliveries"][0]["expiresAt"] is None
    (item,) = body(call(client, "GET", f"{url}/items", user=bob))["items"]
    assert item["expiresAt"] is None


def test_a_default_that_is_not_a_duration_is_refused_and_changes_nothing(client, family):
    _, bob, frame = family
    url = f"/frames/{frame['frameId']}"
    refused = call(client, "PATCH", url, {"defaultDuration": "1h", "name": "Hall"}, bob)
    assert refused.status_code == 400
    after = body(call(client, "GET", url, user=bob))
    assert (after["defaultDuration"], after["name"]) == ("24h", "Kitchen")


def test_one_share_to_frames_with_different_defaults_ends_per_frame(client, family):
    ana, bob, bobs = family
    mine = pair_frame(client, ana, name="Hall")
    call(client, "PATCH", f"/frames/{mine['frameId']}", {"defaultDuration": "7d"}, ana)

    share = body(send(client, ana, upload_photo(client, ana), [bobs["frameId"], mine["frameId"]]))

    ends = {d["frameId"]: d["expiresAt"] for d in share["deliveries"]}
    assert ends[bobs["frameId"]] < ends[mine["frameId"]]  # a day, a week (RFC 3339, UTC)
    assert share["expiresAt"] == ends[mine["frameId"]]
    # The sender's choice wins over both defaults.
    chosen = body(
        send(
            client,
            ana,
            upload_photo(client, ana),
            [bobs["frameId"], mine["frameId"]],
            duration="forever",
        )
    )
    assert [d["expiresAt"] for d in chosen["deliveries"]] == [None, None]


def test_notifications_page_newest_first_and_are_marked_seen(client, family):
    ana, bob, frame = family
    send(client, ana, upload_photo(client, ana), [frame["frameId"]])

    assert body(call(client, "GET", "/notifications/unseen", user=bob)) == {"unseen": 2}
    first = body(call(client, "GET", "/notifications?limit=1", user=bob))
    second = body(
        call(client, "GET", f"/notifications?limit=1&cursor={first['nextCursor']}", user=bob)
    )
    entries = first["items"] + second["items"]
    assert {e["type"] for e in entries} == {"friend_request", "photo_received"}
    assert entries[0]["id"] >= entries[1]["id"] and all(e["new"] for e in entries)
    received = next(e for e in entries if e["type"] == "photo_received")
    assert received["fromName"] == "Ana" and received["thumbnailUrl"]

    newest = entries[0]["id"]
    assert call(client, "POST", "/notifications/seen", {"upTo": newest}, bob).status_code == 204

    assert body(call(client, "GET", "/notifications/unseen", user=bob)) == {"unseen": 0}
    assert not any(e["new"] for e in body(call(client, "GET", "/notifications", user=bob))["items"])
    # A stale tab marking an older entry does not make the newer one unseen again.
    call(client, "POST", "/notifications/seen", {"upTo": entries[1]["id"]}, bob)
    assert body(call(client, "GET", "/notifications/unseen", user=bob)) == {"unseen": 0}
    # Ana's own feed is hers: her friend request was accepted.
    (accepted,) = body(call(client, "GET", "/notifications", user=ana))["items"]
    assert accepted["type"] == "friend_accepted" and accepted["new"] is True


def test_bad_notification_requests_get_a_clear_400(client, family):
    ana, bob, _ = family
    cursor = body(call(client, "GET", "/notifications?limit=1", user=bob))["nextCursor"]
    for method, path, payload in (
        ("POST", "/notifications/seen", {"upTo": "yesterday"}),
        ("POST", "/notifications/seen", {}),
        ("GET", f"/notifications?cursor={cursor}", None),  # Bob's cursor, Ana's call
        ("GET", "/notifications?limit=0", None),
    ):
        response = call(client, method, path, payload, ana)
        assert response.status_code == 400, (path, response.body)


def test_the_badge_and_a_page_cost_the_same_with_a_long_feed(client, family):
    """The badge reads at most 100 keys after the seen marker; a page reads its own entries: no
    Scan, and neither grows with the feed."""
    _, bob, _ = family
    start = utcnow() - timedelta(days=2)
    for i in range(150):
        activity.record(
            bob.user_id, "frame_offline", start + timedelta(minutes=i), frameName="Hall"
        )

    with metered() as badge:
        count = body(call(client, "GET", "/notifications/unseen", user=bob))
    with metered() as page:
        listed = body(call(client, "GET", "/notifications?limit=20", user=bob))
    assert count == {"unseen": 100}  # the web app shows 99+
    assert len(listed["items"]) == 20 and listed["nextCursor"]
    assert "Scan" not in badge.calls and "Scan" not in page.calls
    assert badge.calls["Query"] == page.calls["Query"] == 1
    assert badge.items_read <= 100 + 3 and page.items_read <= 20 + 3  # + the seen marker, user
    print(
        f"\nunseen: {dict(badge.calls)} items read {badge.items_read}; "
        f"page: {dict(page.calls)} items read {page.items_read}"
    )

    call(client, "POST", "/notifications/seen", {"upTo": listed["items"][0]["id"]}, bob)
    with metered() as after:
        assert body(call(client, "GET", "/notifications/unseen", user=bob)) == {"unseen": 0}
    assert after.items_read <= 3
