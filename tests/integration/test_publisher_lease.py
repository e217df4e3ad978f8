"""One publisher per frame (services/frame_sync.py): racing publishes must not leave an older
desired state retained, and a publisher that fails or dies must not block the frame."""

from __future__ import annotations

import json
import random
import threading
import time

import boto3
import pytest
from moto.core.botocore_stubber import BotocoreStubber

from chalicelib.adapters import aws
from chalicelib.adapters.tables import FrameRecord
from chalicelib.domain.timefmt import utcnow
from chalicelib.events import rendition_queue
from chalicelib.events.messages import RenderRequest
from chalicelib.services import frame_sync
from tests.integration.conftest import call, pair_frame, published, signup, upload_photo


class _SlowIotData:
    """IoT Core as several Lambdas meet it: each publish lands after its own delay, so two
    publishes started in one order may land in the other."""

    def __init__(self, real, rng: random.Random) -> None:
        self.real, self.rng, self.lock = real, rng, threading.Lock()

    def publish(self, **kwargs):
        with self.lock:
            delay = self.rng.uniform(0, 0.25)
        time.sleep(delay)
        return self.real.publish(**kwargs)


def _desired(frame_id: str) -> list[dict]:
    return [m for t, m in published() if frame_id in t]


def _render_jobs() -> list[RenderRequest]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-renditions")["QueueUrl"]
    jobs = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            jobs.append(RenderRequest.parse(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return jobs


def test_racing_rendition_workers_leave_the_newest_state_retained(client, monkeypatch):
    """Four photos sent at once, each rendered and published by its own worker at the same
    moment: before, the desired states landed in any order (the retained one was often an
    older version, missing photos); now every landing is newer than the one before, and the
    last holds all four."""
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    shares = []
    for _ in range(4):
        image_id = upload_photo(client, ana)
        answer = call(client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame_id]}, ana)
        assert answer.status_code == 201, answer.body
        shares.append(json.loads(answer.body)["shareId"])
    jobs = _render_jobs()
    assert len(jobs) == 4
    # Pillow's first use in a process registers its plugins, not safely from several threads
    # at once (a Lambda renders one job at a time): one rendition first, of a fifth photo.
    warm = upload_photo(client, ana)
    preview = call(client, "GET", f"/images/{warm}/frames/{frame_id}/preview", None, ana)
    assert preview.status_code == 200
    # In-process moto is not thread-safe: a request it handles while another thread's request
    # changes the same backend can raise "dictionary changed size during iteration" (seen
    # twice, once in a full run). A real service applies each request atomically, so moto gets
    # one request at a time here; how the workers' requests interleave, which is what this
    # test is about, is untouched (the slow publishes sleep before they reach moto).
    serial = threading.Lock()
    handle = BotocoreStubber.process_request

    def one_at_a_time(self, request):
        with serial:
            return handle(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)
    before = len(_desired(frame_id))
    real_client = aws.client
    slow = _SlowIotData(real_client("iot-data"), random.Random(7))
    monkeypatch.setattr(aws, "client", lambda s: slow if s == "iot-data" else real_client(s))
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def work(job: RenderRequest) -> None:
        start.wait()
        try:
            rendition_queue.handle(job)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    landed = _desired(frame_id)[before:]
    versions = [m["version"] for m in landed]
    assert versions == sorted(versions) and len(set(versions)) == len(versions), versions
    assert {item["shareId"] for item in landed[-1]["items"]} == set(shares)
    assert landed[-1]["version"] == int(FrameRecord.get(frame_id).state_version)
    # A burst costs fewer publishes than sends: the holder publishes once more for all waiting.
    assert len(landed) <= len(jobs), versions
    frame = FrameRecord.get(frame_id)
    assert frame.publisher is None and frame.publish_again is None


def test_a_publish_that_raises_lets_go_of_the_frame(client, monkeypatch):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]

    def broken(frame_id: str, message: dict) -> int:
        raise RuntimeError("presigning failed")

    monkeypatch.setattr(frame_sync, "_publish_checked", broken)
    with pytest.raises(RuntimeError):
        frame_sync.publish(frame_id)
    assert FrameRecord.get(frame_id).publisher is None
    monkeypatch.undo()
    assert frame_sync.publish(frame_id) > 0  # not left waiting for a lease nobody holds


def test_word_left_for_a_publisher_that_died_reaches_the_frame_when_it_reports_in(client):
    """A publisher that died holding the frame (its Lambda timed out): the sends that left it
    word are published by the first publish after its lease, or at the frame's next status."""
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    now = int(utcnow().timestamp())
    frame = FrameRecord.get(frame_id)
    frame.update(
        actions=[FrameRecord.publisher.set("dead"), FrameRecord.publisher_until.set(now + 30)]
    )
    before = len(_desired(frame_id))
    assert frame_sync.publish(frame_id) == 0  # word left for the holder
    assert FrameRecord.get(frame_id).publish_again is True
    assert len(_desired(frame_id)) == before

    frame.update(actions=[FrameRecord.publisher_until.set(now - 1)])  # its lease ran out
    answer = client.lambda_.invoke(
        "frame_status", {"frameId": frame_id, "online": True, "firmware": "0.1.0"}
    ).payload
    assert answer == "seen"
    assert len(_desired(frame_id)) == before + 1
    frame = FrameRecord.get(frame_id)
    assert frame.publish_again is None and frame.publisher is None
