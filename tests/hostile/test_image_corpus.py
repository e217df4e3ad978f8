"""A corpus of broken, hostile and unusual files through the upload path: nothing crashes.

In-process: the presigned POST's key in moto's S3, S3's notification on the uploads queue, and
the queue handler as Lambda invokes it (an exception there fails the test). Every photo ends
``ready`` or ``rejected`` with a reason a person can read; the valid ones are processed.
A few go through the real local cloud (tests/hostile/test_real_path.py).
"""

from __future__ import annotations

import json

import boto3
import pytest
from chalice.test import Client

from tests.hostile.corpus import Specimen, specimens
from tests.integration.conftest import call, drain_uploads, signup

pytestmark = pytest.mark.xdist_group("corpus")


def upload(client: Client, user, specimen: Specimen) -> dict:
    declared = max(1, len(specimen.data))  # an empty file is declared as 1 byte, sent as 0
    created = call(
        client,
        "POST",
        "/images",
        {"contentType": specimen.content_type, "bytes": declared, "filename": specimen.name},
        user,
    )
    assert created.status_code == 201, created.body
    image_id = json.loads(created.body)["imageId"]
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="shareframe-local-media",
        Key=json.loads(created.body)["upload"]["fields"]["key"],
        Body=specimen.data,
        ContentType=specimen.content_type,
    )
    assert drain_uploads(client) >= 1
    response = call(client, "GET", f"/images/{image_id}", user=user)
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_every_file_of_the_corpus_ends_ready_or_rejected_with_a_reason(client: Client):
    user = signup(client, "corpus@example.com", "Corpus")
    outcomes = {}
    for specimen in specimens():
        image = upload(client, user, specimen)
        outcomes[specimen.name] = (image["state"], image.get("reason"))
        assert image["state"] in ("ready", "rejected"), (specimen.name, image)
        if image["state"] == "rejected":
            assert isinstance(image["reason"], str) and 10 < len(image["reason"]) < 300, image
            assert "Traceback" not in image["reason"] and "PIL" not in image["reason"]
        else:
            assert image["width"] >= 1 and image["height"] >= 1 and image["previewUrl"]
    wrong = {
        name: outcomes[name]
        for name, specimen in ((s.name, s) for s in specimens())
        if specimen.expect != "either" and outcomes[name][0] != specimen.expect
    }
    assert not wrong, wrong
    # Rejected photos give their library slot back; ready ones count.
    me = json.loads(call(client, "GET", "/me", user=user).body)
    assert me["photoCount"] == sum(1 for state, _ in outcomes.values() if state == "ready")


def test_a_ready_photo_of_the_corpus_can_be_sent_to_every_panel(client: Client):
    """The unusual-but-valid files also render for each panel without a crash."""
    from chalicelib import rendering

    user = signup(client, "panels@example.com", "Panels")
    panels = sorted(rendering.PANELS)
    unusual = [s for s in specimens() if s.expect == "ready" and s.name != "valid.jpg"]
    for index, specimen in enumerate(unusual):
        image = upload(client, user, specimen)
        # Each specimen on one panel and orientation, in turn: every panel gets several.
        panel = panels[index % len(panels)]
        orientation = ("landscape", "portrait")[index % 2]
        path = f"/images/{image['imageId']}/renditions/{panel}?orientation={orientation}"
        response = call(client, "GET", path, user=user)
        assert response.status_code == 200, (specimen.name, panel, response.body)


def test_a_queue_message_delivered_twice_is_processed_once(client: Client):
    user = signup(client, "twice@example.com", "Twice")
    created = json.loads(
        call(client, "POST", "/images", {"contentType": "image/jpeg", "bytes": 1000}, user).body
    )
    s3 = boto3.client("s3", region_name="us-east-1")
    data = specimens()[0].data
    key = created["upload"]["fields"]["key"]
    s3.put_object(Bucket="shareframe-local-media", Key=key, Body=data)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    body = next(
        m["Body"]
        for _ in range(5)
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if created["imageId"] in m["Body"]
    )

    def deliver() -> None:
        event = client.events.generate_sqs_event(
            queue_name="shareframe-local-uploads", message_bodies=[body]
        )
        client.lambda_.invoke("process_uploads", event)

    deliver()
    first = {
        o["Key"]: o["LastModified"]
        for o in s3.list_objects_v2(Bucket="shareframe-local-media", Prefix="").get("Contents", [])
        if o["Key"] != key
    }
    deliver()
    deliver()
    again = {
        o["Key"]: o["LastModified"]
        for o in s3.list_objects_v2(Bucket="shareframe-local-media", Prefix="").get("Contents", [])
        if o["Key"] != key
    }
    assert first == again and first, "a redelivery rewrote derived files"
    image = json.loads(call(client, "GET", f"/images/{created['imageId']}", user=user).body)
    assert image["state"] == "ready"
    assert json.loads(call(client, "GET", "/me", user=user).body)["photoCount"] == 1
