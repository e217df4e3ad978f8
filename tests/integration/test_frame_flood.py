"""A frame cannot flood the backend: resyncs are limited per frame and a burst is cheap."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import time_machine

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

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
STATUS = {"online": True, "firmware": "0.1.0", "freeBytes": 1_000_000, "showing": None}


def frame_with_a_photo(client):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    image_id = upload_photo(client, ana)
    share = call(client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame_id]}, ana)
    drain_renders(client)
    return frame_id, json.loads(share.body)["shareId"]


def status(client, frame_id: str) -> str:
    return client.lambda_.invoke("frame_status", {**STATUS, "frameId": frame_id}).payload


def resync(client, frame_id: str) -> str:
    return frame_reports(client, frame_id, type="resync", eventId=str(uuid.uuid4()))


def test_resyncs_are_limited_per_frame_and_the_extras_coalesced(client):
    frame_id, _ = frame_with_a_photo(client)
    # Windows are fixed minutes: start well inside one so the test never straddles two.
    with time_machine.travel(datetime(2026, 11, 25, 9, 1, 5, tzinfo=UTC), tick=False) as clock:
        before = len(published())
        answers = [resync(client, frame_id) for _ in range(10)]
        assert answers == ["republished"] * 3 + ["coalesced"] * 7
        assert len(published()) == before + 3
        clock.shift(timedelta(minutes=1))
        assert resync(client, frame_id) == "republished"
        assert len(published()) == before + 4


def test_a_burst_of_100_messages_from_one_frame_costs_a_bounded_number_of_writes(client):
    frame_id, share_id = frame_with_a_photo(client)
    status(client, frame_id)
    receipt = {"type": "displayed", "shareId": share_id, "eventId": str(uuid.uuid4())}
    assert frame_reports(client, frame_id, **receipt) == "displayed"
    before = len(published())
    with (
        time_machine.travel(datetime(2026, 11, 25, 9, 1, 5, tzinfo=UTC), tick=False),
        metered() as meter,
    ):
        for i in range(100):
            if i % 3 == 0:
                resync(client, frame_id)
            elif i % 3 == 1:
                frame_reports(client, frame_id, **{**receipt, "eventId": str(uuid.uuid4())})
            else:
                status(client, frame_id)
    writes = sum(meter.calls[name] for name in WRITES)
    # Three resyncs get through in the minute: each costs its eventId (de-duplication), its
    # count, and the publish's two (the version taken with the frame's publisher lease, the
    # lease let go: services/frame_sync.py); repeated receipts and statuses cost reads only.
    assert writes <= 3 * 4, dict(meter.calls)
    assert len(published()) - before == 3
