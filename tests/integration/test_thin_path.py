"""The spine's path in-process: upload, pair, send, receipt."""

import hashlib
import json
from urllib.parse import unquote, urlparse

import boto3
from cryptography import x509

from tests.integration.conftest import (
    call,
    drain_renders,
    frame_reports,
    pair_frame,
    published,
    signup,
    upload_photo,
)


def test_uploaded_photo_becomes_ready_with_thumbnail_and_preview(client):
    ana = signup(client, "ana@example.com")
    image_id = upload_photo(client, ana)
    image = json.loads(call(client, "GET", f"/images/{image_id}", user=ana).body)
    assert image["state"] == "ready"
    assert image["width"] == 1200 and image["height"] == 800
    assert image["thumbnailUrl"].startswith("http")


def test_a_file_that_is_not_a_photo_is_rejected_with_a_reason(client):
    ana = signup(client, "ana@example.com")
    image_id = upload_photo(client, ana, b"%PDF-1.7 not a photo at all" * 10)
    image = json.loads(call(client, "GET", f"/images/{image_id}", user=ana).body)
    assert image["state"] == "rejected"
    assert image["reason"]


def test_pairing_issues_a_certificate_for_the_frames_own_key_with_the_frame_id_as_cn(client):
    ana = signup(client, "ana@example.com")
    frame = pair_frame(client, ana)
    paired = frame["pairing"]
    assert paired["status"] == "paired" and paired["frameId"] == frame["frameId"]
    cert = x509.load_pem_x509_certificate(paired["certificatePem"].encode())
    assert cert.subject.rfc4514_string() == f"CN={frame['frameId']}"
    iot = boto3.client("iot", region_name="us-east-1")
    assert iot.describe_thing(thingName=frame["frameId"])["thingName"] == frame["frameId"]
    principals = iot.list_thing_principals(thingName=frame["frameId"])["principals"]
    assert len(principals) == 1


def test_a_pairing_code_can_be_claimed_once(client):
    ana = signup(client, "ana@example.com")
    bob = signup(client, "bob@example.com", name="Bob")
    start = json.loads(
        call(
            client,
            "POST",
            "/pairing",
            {"csr": _csr(), "panel": "waveshare_7in5_v2", "firmware": "0.1.0"},
        ).body
    )
    assert (
        call(client, "POST", "/frames", {"code": start["code"], "name": "A"}, ana).status_code
        == 201
    )
    second = call(
        client,
        "POST",
        "/frames",
        {"code": start["code"].lower().replace("-", " "), "name": "B"},
        bob,
    )
    assert second.status_code == 409


def _csr():
    from tests.integration.conftest import frame_csr

    return frame_csr()


def test_sending_publishes_the_desired_state_and_receipts_reach_the_share(client):
    ana = signup(client, "ana@example.com")
    image_id = upload_photo(client, ana)
    frame = pair_frame(client, ana)
    response = call(
        client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame["frameId"]]}, ana
    )
    assert response.status_code == 201, response.body
    share = json.loads(response.body)
    assert share["deliveries"][0]["state"] == "queued"
    assert drain_renders(client) == ["filled 1"]  # the file is made after the request

    topic, desired = published()[-1]
    assert topic == f"shareframe/frames/{frame['frameId']}/desired"
    item = desired["items"][0]
    assert item["shareId"] == share["shareId"]
    url = urlparse(item["file"]["url"])
    key = unquote(url.path.lstrip("/").removeprefix("shareframe-local-media/"))
    body = (
        boto3.client("s3", region_name="us-east-1")
        .get_object(Bucket="shareframe-local-media", Key=key)["Body"]
        .read()
    )
    assert hashlib.sha256(body).hexdigest() == item["file"]["sha256"]

    assert (
        frame_reports(
            client,
            frame["frameId"],
            type="displayed",
            shareId=share["shareId"],
            eventId="receipt-1",
        )
        == "displayed"
    )
    assert frame_reports(
        client, frame["frameId"], type="delivered", shareId=share["shareId"], eventId="receipt-2"
    ).startswith("ignored")
    after = json.loads(call(client, "GET", f"/shares/{share['shareId']}", user=ana).body)
    delivery = after["deliveries"][0]
    assert delivery["state"] == "displayed"
    assert delivery["displayedAt"] and delivery["deliveredAt"]


def test_a_frame_cannot_report_for_another_frames_delivery(client):
    ana = signup(client, "ana@example.com")
    image_id = upload_photo(client, ana)
    mine = pair_frame(client, ana)
    other = pair_frame(client, ana, name="Hall")
    share = json.loads(
        call(
            client, "POST", "/shares", {"imageId": image_id, "frameIds": [mine["frameId"]]}, ana
        ).body
    )
    assert frame_reports(
        client, other["frameId"], type="displayed", shareId=share["shareId"]
    ).startswith("ignored")
    after = json.loads(call(client, "GET", f"/shares/{share['shareId']}", user=ana).body)
    assert after["deliveries"][0]["state"] == "queued"


def test_nobody_can_send_to_a_strangers_frame(client):
    ana = signup(client, "ana@example.com")
    eve = signup(client, "eve@example.com", name="Eve")
    frame = pair_frame(client, ana)
    photo = upload_photo(client, eve)
    response = call(
        client, "POST", "/shares", {"imageId": photo, "frameIds": [frame["frameId"]]}, eve
    )
    assert response.status_code == 403
    assert call(client, "GET", f"/frames/{frame['frameId']}", user=eve).status_code == 404
