"""The backend speaks the frame protocol's schema: what it publishes passes it, what it is sent
is checked against it, and a repeated eventId is acted on once (docs/protocol.md §5)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from chalicelib import frame_protocol
from chalicelib.adapters import aws
from chalicelib.adapters.tables import FirmwareUpdateRecord, FrameRecord
from chalicelib.services import frame_sync
from tests.integration.conftest import (
    call,
    drain_renders,
    frame_reports,
    pair_frame,
    published,
    signup,
    upload_photo,
)

AT = datetime(2026, 11, 25, 9, 1, 5, tzinfo=UTC)


def frame_with_a_photo(client):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    image_id = upload_photo(client, ana)
    share = call(client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame_id]}, ana)
    assert share.status_code == 201, share.body
    drain_renders(client)
    return frame_id, json.loads(share.body)["shareId"]


def status(client, frame_id: str, **fields) -> str:
    return client.lambda_.invoke("frame_status", {**fields, "frameId": frame_id}).payload


def test_every_desired_state_the_backend_publishes_passes_the_schema(client):
    frame_id, _ = frame_with_a_photo(client)
    frame_reports(client, frame_id, type="resync")
    messages = [message for _, message in published()]
    assert len(messages) >= 2 and any(m["items"] for m in messages)
    for message in messages:
        frame_protocol.check("desired", message)


def test_a_resync_sent_three_times_with_one_event_id_publishes_once(client):
    frame_id, _ = frame_with_a_photo(client)
    event_id = str(uuid.uuid4())
    with time_machine.travel(AT, tick=False):
        before = len(published())
        answers = [frame_reports(client, frame_id, type="resync", eventId=event_id) for _ in "abc"]
        assert answers == ["republished", "ignored: duplicate", "ignored: duplicate"]
        assert len(published()) == before + 1
        # another id is another request
        assert frame_reports(client, frame_id, type="resync") == "republished"


def test_an_event_id_is_remembered_for_two_days_then_forgotten(client):
    frame_id, _ = frame_with_a_photo(client)
    event_id = str(uuid.uuid4())
    with time_machine.travel(AT, tick=False) as clock:
        assert frame_reports(client, frame_id, type="firmware_check", eventId=event_id) == (
            "republished"
        )
        clock.shift(timedelta(days=2) - timedelta(seconds=1))
        assert frame_reports(client, frame_id, type="firmware_check", eventId=event_id) == (
            "ignored: duplicate"
        )
        clock.shift(timedelta(seconds=1))  # expired: DynamoDB's TTL may not have deleted it yet
        assert frame_reports(client, frame_id, type="firmware_check", eventId=event_id) == (
            "republished"
        )


def test_one_event_id_is_one_frames_the_same_id_from_another_frame_counts(client):
    ana = signup(client, "ana@example.com")
    first, second = (pair_frame(client, ana, name=n)["frameId"] for n in ("One", "Two"))
    event_id = str(uuid.uuid4())
    assert frame_reports(client, first, type="resync", eventId=event_id) == "republished"
    assert frame_reports(client, second, type="resync", eventId=event_id) == "republished"


def test_a_repeated_firmware_report_is_recorded_once(client):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    report = {
        "type": "firmware",
        "version": "0.2.0",
        "state": "failed",
        "reason": "sha256_mismatch",
    }
    event_id = str(uuid.uuid4())
    assert frame_reports(client, frame_id, **report, eventId=event_id) == "failed"
    assert frame_reports(client, frame_id, **report, eventId=event_id) == "ignored: duplicate"
    assert len(list(FirmwareUpdateRecord.query(frame_id))) == 1
    assert FrameRecord.get(frame_id).failed_firmware == ["0.2.0"]


def test_an_event_whose_action_failed_is_not_taken_for_a_duplicate_on_retry(client, monkeypatch):
    frame_id, _ = frame_with_a_photo(client)
    event_id = str(uuid.uuid4())
    real_publish = frame_sync.publish

    def broken(*args, **kwargs):
        raise RuntimeError("broker unreachable")

    monkeypatch.setattr(frame_sync, "publish", broken)
    with pytest.raises(RuntimeError):
        frame_reports(client, frame_id, type="resync", eventId=event_id)
    monkeypatch.setattr(frame_sync, "publish", real_publish)
    assert frame_reports(client, frame_id, type="resync", eventId=event_id) == "republished"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "resync"},  # no eventId, no at
        {"type": "displayed", "eventId": "0f6b1c2d-aaaa", "at": "2026-11-25T09:00:00Z"},
        {"type": "reboot", "eventId": "0f6b1c2d-aaaa", "at": "2026-11-25T09:00:00Z"},
        {
            "type": "firmware",
            "eventId": "0f6b1c2d-aaaa",
            "at": "2026-11-25T09:00:00Z",
            "version": "0.2.0",
            "state": "exploded",
        },
        "not an object",
    ],
)
def test_an_event_that_breaks_the_schema_is_dropped_and_writes_nothing(client, event):
    frame_id, _ = frame_with_a_photo(client)
    before = (len(published()), FrameRecord.get(frame_id).attribute_values)
    message = {**event, "frameId": frame_id} if isinstance(event, dict) else event
    assert client.lambda_.invoke("frame_events", message).payload == "ignored: malformed"
    assert (len(published()), FrameRecord.get(frame_id).attribute_values) == before
    assert list(FirmwareUpdateRecord.query(frame_id)) == []


def test_a_status_that_breaks_the_schema_writes_nothing_at_all(client):
    """Before the schema, the valid fields of a half-valid status were written."""
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    assert status(client, frame_id, online=True, firmware="0.1.0") == "seen"
    stored = FrameRecord.get(frame_id).attribute_values
    answer = status(client, frame_id, online=True, firmware="9.9.9", freeBytes="lots")
    assert answer == "ignored: malformed"
    assert FrameRecord.get(frame_id).attribute_values == stored


def test_a_desired_state_the_schema_refuses_is_not_published(client, monkeypatch, caplog):
    frame_id, _ = frame_with_a_photo(client)
    before = len(published())
    real_build = frame_sync.desired_state.build

    def without_items(**kwargs):
        message = real_build(**kwargs)
        del message["items"]
        return message

    monkeypatch.setattr(frame_sync.desired_state, "build", without_items)
    assert frame_sync.publish(frame_id) == 0
    assert len(published()) == before
    assert "breaks the protocol schema" in caplog.text


class _RefusingIotData:
    """An iot-data client whose every publish IoT Core refuses (as with a broken policy)."""

    def publish(self, **kwargs):
        from botocore.exceptions import ClientError

        error = {"Error": {"Code": "ForbiddenException", "Message": "not authorised"}}
        raise ClientError(error, "Publish")


def refuse_publishes(monkeypatch) -> None:
    real_client = aws.client  # frame_channel calls aws.client at call time
    monkeypatch.setattr(
        aws,
        "client",
        lambda service: _RefusingIotData() if service == "iot-data" else real_client(service),
    )


def test_a_frame_paired_while_iot_core_refuses_publishes_is_paired_and_told_when_it_reports_in(
    client, monkeypatch
):
    """Before, the claim answered 500 after the frame was paired, and a retry found the code
    used. The frame's first status (sent on connect) now brings it its desired state."""
    ana = signup(client, "ana@example.com")
    with monkeypatch.context() as refusing:
        refuse_publishes(refusing)
        frame_id = pair_frame(client, ana)["frameId"]  # asserts 201
        assert FrameRecord.get(frame_id).publish_failed_at is not None
        assert status(client, frame_id, online=True, firmware="0.1.0") == "seen"
        assert FrameRecord.get(frame_id).publish_failed_at is not None  # still refused
    before = [m for t, m in published() if frame_id in t]

    assert status(client, frame_id, online=True, firmware="0.1.0") == "ignored: unchanged"

    told = [m for t, m in published() if frame_id in t]
    assert len(told) == len(before) + 1 and told[-1]["paired"] is True
    assert FrameRecord.get(frame_id).publish_failed_at is None
    # told once: a status after that publishes nothing
    assert status(client, frame_id, online=True, firmware="0.1.0") == "ignored: unchanged"
    assert len([m for t, m in published() if frame_id in t]) == len(told)


def test_a_send_iot_core_refuses_to_publish_is_sent_and_reaches_the_frame_on_its_next_status(
    client, monkeypatch
):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    image_id = upload_photo(client, ana)
    with monkeypatch.context() as refusing:
        refuse_publishes(refusing)
        share = call(client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame_id]}, ana)
        assert share.status_code == 201, share.body
        drain_renders(client)  # the rendition worker's publish is refused too
    share_id = json.loads(share.body)["shareId"]
    assert not any(share_id in json.dumps(m) for t, m in published() if frame_id in t)

    status(client, frame_id, online=True, firmware="0.1.0")

    latest = [m for t, m in published() if frame_id in t][-1]
    assert [item["shareId"] for item in latest["items"]] == [share_id]


def test_a_frame_that_reconnects_while_its_publish_is_refused_gets_it_without_waiting(
    client, monkeypatch
):
    """The frame's connect is handled while IoT Core is refusing the publish (before the frame
    is marked): its catch-up finds nothing to do, so the publish itself must try again."""
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    image_id = upload_photo(client, ana)
    connects = iter(range(1000, 1100))
    real_client = aws.client

    class ReconnectingThenRefused(_RefusingIotData):
        def publish(self, **kwargs):
            event = {"clientId": frame_id, "eventType": "connected", "timestamp": next(connects)}
            assert client.lambda_.invoke("frame_presence", event).payload == "online"
            super().publish(**kwargs)

    with monkeypatch.context() as refusing:
        refusing.setattr(
            aws,
            "client",
            lambda s: ReconnectingThenRefused() if s == "iot-data" else real_client(s),
        )
        share = call(client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame_id]}, ana)
        assert share.status_code == 201, share.body
        # Refused while it reconnected; the retry is refused too (IoT Core is still failing),
        # and only once: the frame stays marked for its next report.
        drain_renders(client)
        assert next(connects) == 1002
        assert FrameRecord.get(frame_id).publish_failed_at is not None
    share_id = json.loads(share.body)["shareId"]

    def refused_once(service):
        if service != "iot-data":
            return real_client(service)
        monkeypatch.setattr(aws, "client", real_client)  # the next publish goes through
        return ReconnectingThenRefused()

    monkeypatch.setattr(aws, "client", refused_once)
    another = upload_photo(client, ana)
    share = call(client, "POST", "/shares", {"imageId": another, "frameIds": [frame_id]}, ana)
    assert share.status_code == 201, share.body
    drain_renders(client)

    latest = [m for t, m in published() if frame_id in t][-1]
    assert {item["shareId"] for item in latest["items"]} == {
        share_id,
        json.loads(share.body)["shareId"],
    }
    assert FrameRecord.get(frame_id).publish_failed_at is None
