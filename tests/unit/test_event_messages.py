"""The typed messages of the non-HTTP entrypoints (chalicelib/events/messages.py)."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain import jobs
from chalicelib.events.messages import (
    ExportRequest,
    MalformedMessage,
    SweepShard,
    UploadedObject,
    WorkChunk,
    timer_message,
    uploaded_objects,
)


def s3_notification(*records: dict) -> str:
    return json.dumps({"Records": list(records)})


def created(key: str, size: int | None = 10) -> dict:
    return {"eventName": "ObjectCreated:Post", "s3": {"object": {"key": key, "size": size}}}


def test_an_s3_notification_yields_each_created_object_with_its_key_decoded():
    body = s3_notification(
        created("originals/usr_1/img_1+copy%281%29.jpg", 1234),
        {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "x"}}},
        created("originals/usr_1/img_2.png", None),
    )
    assert list(uploaded_objects(body)) == [
        UploadedObject("originals/usr_1/img_1 copy(1).jpg", 1234),
        UploadedObject("originals/usr_1/img_2.png", None),
    ]


def test_the_s3_test_event_yields_nothing():
    assert list(uploaded_objects(json.dumps({"Event": "s3:TestEvent"}))) == []


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"Records": {}}', '{"Records": [1]}', s3_notification(created(""))],
)
def test_a_body_that_is_no_s3_notification_is_malformed(body):
    with pytest.raises(MalformedMessage):
        list(uploaded_objects(body))


def test_an_export_request():
    body = json.dumps({"userId": "usr_1", "exportId": "exp_1"})
    assert ExportRequest.parse(body) == ExportRequest("usr_1", "exp_1")
    for bad in ('{"userId": "usr_1"}', '{"userId": 1, "exportId": "e"}', "null"):
        with pytest.raises(MalformedMessage):
            ExportRequest.parse(bad)


def test_timer_messages_are_sweeps_or_chunks_of_a_known_job():
    sweep = timer_message(json.dumps({"sweep": jobs.EXPIRE_SHARES, "shard": 3}))
    assert sweep == SweepShard(jobs.EXPIRE_SHARES, 3)
    chunk = timer_message(json.dumps({"job": jobs.FORGET_PHOTOS, "refs": [{"userId": "u"}]}))
    assert chunk == WorkChunk(jobs.FORGET_PHOTOS, ({"userId": "u"},))


@pytest.mark.parametrize(
    "message",
    [
        {"sweep": "format_disks", "shard": 0},
        {"sweep": jobs.EXPIRE_SHARES, "shard": -1},
        {"sweep": jobs.EXPIRE_SHARES, "shard": True},
        {"sweep": jobs.EXPIRE_SHARES},
        {"job": jobs.EXPIRE_SHARES, "refs": "shr_1"},
        {"job": jobs.EXPIRE_SHARES, "refs": ["shr_1"]},
        {"refs": []},
    ],
)
def test_a_timer_message_of_another_shape_is_malformed(message):
    with pytest.raises(MalformedMessage):
        timer_message(json.dumps(message))


def test_every_job_has_a_schedule_named_after_it_and_a_handler():
    from chalice.app import Chalice

    from chalicelib.events import schedules
    from chalicelib.services import maintenance

    app = Chalice("schedules")
    app.register_blueprint(schedules.blueprint)
    assert sorted(source.name for source in app.event_sources) == sorted(jobs.ALL)
    assert set(maintenance.JOBS) == jobs.ALL
