"""Presence from IoT Core's lifecycle events: online and offline at once, heartbeats cheap,
the "frame offline" mail once after its grace period."""

from datetime import UTC, datetime, timedelta

import time_machine

from chalicelib.adapters.tables import FrameRecord, UserRecord
from tests.integration.conftest import pair_frame, run_job, sent_mail, signup
from tests.integration.ddb_meter import metered

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _presence(client, frame_id: str, kind: str, stamp: int, **extra) -> str:
    event = {"clientId": frame_id, "eventType": kind, "timestamp": stamp, **extra}
    result: str = client.lambda_.invoke("frame_presence", event).payload
    return result


def _offline_mails() -> list:
    return [m for m in sent_mail() if "offline for a day" in m.subject]


def test_lifecycle_events_set_presence_and_a_late_one_is_dropped(client):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    assert _presence(client, frame_id, "connected", 1000) == "online"
    assert FrameRecord.get(frame_id).online is True
    assert _presence(client, frame_id, "disconnected", 2000) == "offline"
    assert FrameRecord.get(frame_id).online is False
    # IoT Core does not promise order: the connect of an earlier session arrives last.
    assert _presence(client, frame_id, "connected", 1500).startswith("ignored")
    assert FrameRecord.get(frame_id).online is False
    assert _presence(client, "frm_nobody", "connected", 3000).startswith("ignored")
    assert _presence(client, frame_id, "connected", "soon").startswith("ignored")


def test_a_hundred_heartbeats_file_no_timer_and_write_once_each(client):
    ana = signup(client, "ana@example.com")
    frame_id = pair_frame(client, ana)["frameId"]
    _presence(client, frame_id, "connected", 1000)
    with metered() as meter:
        for i in range(100):
            status = {"frameId": frame_id, "online": True, "firmware": "0.1.0", "battery": i}
            assert client.lambda_.invoke("frame_status", status).payload == "seen"
    assert meter.writes["shareframe-local-timers"] == 0, meter.writes
    assert sum(meter.writes.values()) == 100, meter.writes
    assert FrameRecord.get(frame_id).battery == 99


def test_the_offline_mail_goes_once_after_the_grace_period_and_not_if_back(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        user = UserRecord.get(ana.user_id)
        user.update(actions=[UserRecord.notifications.set({"frameOffline": True})])
        frame_id = pair_frame(client, ana)["frameId"]
        ms = int(START.timestamp() * 1000)
        _presence(client, frame_id, "connected", ms)
        # A short drop: back within the day, so its timer changes nothing.
        _presence(client, frame_id, "disconnected", ms + 1)
        traveller.shift(timedelta(minutes=10))
        _presence(client, frame_id, "connected", ms + 600_000)
        traveller.shift(timedelta(hours=25))
        assert run_job(client, "notify_offline_frames").changed == 0
        assert _offline_mails() == []
        # Gone for good: one mail after a day, however often the job runs.
        _presence(
            client, frame_id, "disconnected", ms + 2_000_000, disconnectReason="CONNECTION_LOST"
        )
        traveller.shift(timedelta(hours=23))
        assert run_job(client, "notify_offline_frames").changed == 0
        traveller.shift(timedelta(hours=2))
        assert run_job(client, "notify_offline_frames").changed == 1
        assert run_job(client, "notify_offline_frames").changed == 0
        assert len(_offline_mails()) == 1
