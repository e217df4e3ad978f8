"""The photo library through the API and the upload queue (in-process AWS)."""

import base64
import json

import boto3
import pytest

from chalicelib.config import settings
from tests.integration.conftest import (
    call,
    drain_renders,
    drain_uploads,
    jpeg_bytes,
    signup,
    upload_photo,
)


def body(response):
    return json.loads(response.body)


def test_the_presigned_post_carries_the_conditions_s3_enforces(client):
    ana = signup(client, "ana@example.com")
    created = body(
        call(client, "POST", "/images", {"contentType": "image/png", "bytes": 5000}, ana)
    )
    policy = json.loads(base64.b64decode(created["upload"]["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 25 * 1024 * 1024] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": f"originals/{ana.user_id}/{created['imageId']}"} in conditions
    assert {"bucket": "shareframe-local-media"} in conditions
    assert created["upload"]["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_uploads_are_checked_before_a_url_is_given(client):
    ana = signup(client, "ana@example.com")
    for payload, field in (
        ({"contentType": "image/gif", "bytes": 10}, "contentType"),
        ({"contentType": "image/jpeg", "bytes": 26 * 1024 * 1024}, "bytes"),
        ({"contentType": "image/jpeg", "bytes": "many"}, "bytes"),
        ({"contentType": "image/jpeg", "bytes": 10, "sendAndForgetHours": 0}, "sendAndForgetHours"),
    ):
        response = call(client, "POST", "/images", payload, ana)
        assert response.status_code == 400 and body(response)["error"]["field"] == field


def test_a_full_library_gets_a_clear_error(client):
    ana = signup(client, "ana@example.com")
    object.__setattr__(settings(), "photo_quota", 2)
    try:
        for _ in range(2):
            assert (
                call(
                    client, "POST", "/images", {"contentType": "image/jpeg", "bytes": 10}, ana
                ).status_code
                == 201
            )
        full = call(client, "POST", "/images", {"contentType": "image/jpeg", "bytes": 10}, ana)
        assert full.status_code == 409 and body(full)["error"]["code"] == "quota_exceeded"
    finally:
        object.__setattr__(settings(), "photo_quota", 500)


def test_the_library_lists_newest_first_page_by_page(client):
    ana = signup(client, "ana@example.com")
    ids = [upload_photo(client, ana, jpeg_bytes(colour=(i * 40, 10, 10))) for i in range(5)]
    seen, cursor = [], None
    while True:
        page = body(
            call(
                client, "GET", "/images?limit=2" + (f"&cursor={cursor}" if cursor else ""), user=ana
            )
        )
        seen += [i["imageId"] for i in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    bob = signup(client, "bob@example.com", name="Bob")
    first = body(call(client, "GET", "/images?limit=2", user=ana))
    stolen = call(client, "GET", f"/images?cursor={first['nextCursor']}", user=bob)
    assert stolen.status_code == 400


def test_the_same_bytes_twice_are_reported_as_a_duplicate(client):
    ana = signup(client, "ana@example.com")
    data = jpeg_bytes()
    first = upload_photo(client, ana, data)
    second = upload_photo(client, ana, data)
    assert body(call(client, "GET", f"/images/{second}", user=ana))["duplicateOf"] == first


def test_a_redelivered_upload_event_does_no_harm(client):
    ana = signup(client, "ana@example.com")
    image_id = upload_photo(client, ana)
    before = body(call(client, "GET", f"/images/{image_id}", user=ana))
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Post",
                "s3": {"object": {"key": f"originals/{ana.user_id}/{image_id}", "size": 1}},
            }
        ]
    }
    client.lambda_.invoke(
        "process_uploads",
        client.events.generate_sqs_event(
            queue_name="shareframe-local-uploads", message_bodies=[json.dumps(event)]
        ),
    )
    after = body(call(client, "GET", f"/images/{image_id}", user=ana))
    assert {k: v for k, v in before.items() if not k.endswith("Url")} == {
        k: v for k, v in after.items() if not k.endswith("Url")
    }


def test_an_oversized_object_is_rejected_even_though_the_local_s3_took_it(client):
    ana = signup(client, "ana@example.com")
    object.__setattr__(settings(), "max_upload_bytes", 1000)
    try:  # declare a small file, then put a large one (real S3 would refuse it; moto does not)
        created = body(
            call(client, "POST", "/images", {"contentType": "image/jpeg", "bytes": 900}, ana)
        )
        boto3.client("s3", region_name="us-east-1").put_object(
            Bucket="shareframe-local-media",
            Key=created["upload"]["fields"]["key"],
            Body=jpeg_bytes(),
        )
        drain_uploads(client)
        image_id = created["imageId"]
    finally:
        object.__setattr__(settings(), "max_upload_bytes", 25 * 1024 * 1024)
    image = body(call(client, "GET", f"/images/{image_id}", user=ana))
    assert image["state"] == "rejected" and "larger" in image["reason"]


def test_title_and_focal_point_can_be_edited_and_bad_values_are_refused(client):
    ana = signup(client, "ana@example.com")
    image_id = upload_photo(client, ana)
    updated = body(
        call(
            client,
            "PATCH",
            f"/images/{image_id}",
            {"title": "Beach", "focalPoint": {"x": 0.2, "y": 0.8}},
            ana,
        )
    )
    assert updated["title"] == "Beach" and updated["focalPoint"] == {"x": 0.2, "y": 0.8}
    for patch in ({"focalPoint": {"x": 2, "y": 0}}, {"title": 5}, {"owner": "me"}):
        assert call(client, "PATCH", f"/images/{image_id}", patch, ana).status_code == 400


def test_deleting_a_photo_removes_its_files_but_keeps_what_frames_still_need(client):
    from tests.integration.conftest import pair_frame

    ana = signup(client, "ana@example.com")
    lonely = upload_photo(client, ana)
    shared = upload_photo(client, ana)
    frame = pair_frame(client, ana)
    assert (
        call(
            client, "POST", "/shares", {"imageId": shared, "frameIds": [frame["frameId"]]}, ana
        ).status_code
        == 201
    )
    drain_renders(client)
    s3 = boto3.client("s3", region_name="us-east-1")

    def keys(image_id):
        return [
            o["Key"]
            for o in s3.list_objects_v2(Bucket="shareframe-local-media").get("Contents", [])
            if image_id in o["Key"]
        ]

    assert body(call(client, "DELETE", f"/images/{lonely}", user=ana)) == {
        "deleted": True,
        "stillOnFrames": False,
    }
    assert keys(lonely) == []
    assert body(call(client, "DELETE", f"/images/{shared}", user=ana)) == {
        "deleted": True,
        "stillOnFrames": True,
    }
    assert all(k.startswith("renditions/") for k in keys(shared)) and keys(shared)
    assert call(client, "GET", f"/images/{shared}", user=ana).status_code == 404
    assert body(call(client, "GET", "/me", user=ana))["photoCount"] == 0
    drain_uploads(client)


def test_two_concurrent_deletes_of_one_photo_release_its_library_slot_once(client, monkeypatch):
    from chalicelib.domain.errors import NotFound
    from chalicelib.services import images

    ana = signup(client, "ana@example.com")
    doomed = upload_photo(client, ana)
    upload_photo(client, ana, jpeg_bytes(colour=(10, 200, 10)))
    assert body(call(client, "GET", "/me", user=ana))["photoCount"] == 2
    # Both requests read the photo before either wrote: the second works from that stale read.
    stale = images.get(ana.user_id, doomed)
    images.delete(ana.user_id, doomed)
    monkeypatch.setattr(images, "get", lambda user_id, image_id: stale)
    with pytest.raises(NotFound):
        images.delete(ana.user_id, doomed)
    assert body(call(client, "GET", "/me", user=ana))["photoCount"] == 1
