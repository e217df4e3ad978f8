"""Scheduled jobs, with time travel: each finds only due work, finishes interrupted runs, and
is harmless when two runs overlap."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from chalicelib.adapters import timers
from chalicelib.adapters.tables import (
    DeliveryRecord,
    FrameRecord,
    FriendshipRecord,
    ImageRecord,
    UserRecord,
)
from chalicelib.services import maintenance
from tests.integration.conftest import (
    call,
    pair_frame,
    published,
    signup,
    upload_photo,
)
from tests.integration.ddb_meter import metered

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _send(client, user, image_id, frame_id, **extra):
    response = call(
        client, "POST", "/shares", {"imageId": image_id, "frameIds": [frame_id], **extra}, user
    )
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def test_expired_shares_leave_the_frame_and_their_history_goes_14_days_later(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        frame = pair_frame(client, ana)
        share = _send(client, ana, upload_photo(client, ana), frame["frameId"], duration="24h")
        keeper = _send(client, ana, upload_photo(client, ana), frame["frameId"], duration="7d")

        traveller.shift(timedelta(hours=23))
        assert maintenance.run("expire_shares").changed == 0
        traveller.shift(timedelta(hours=2))
        assert maintenance.run("expire_shares").changed == 1
        assert DeliveryRecord.get(frame["frameId"], share["shareId"]).state == "expired"
        _, desired = published()[-1]
        assert [i["shareId"] for i in desired["items"]] == [keeper["shareId"]]

        traveller.shift(timedelta(days=13))
        assert maintenance.run("purge_share_history").changed == 0
        traveller.shift(timedelta(days=2))
        assert maintenance.run("purge_share_history").changed == 1
        assert (
            DeliveryRecord.count(frame["frameId"], DeliveryRecord.share_id == share["shareId"]) == 0
        )


def test_unverified_accounts_are_removed_after_a_day_and_verified_ones_stay(client):
    with time_machine.travel(START, tick=True) as traveller:
        call(
            client,
            "POST",
            "/auth/register",
            {
                "email": "late@example.com",
                "password": "correct horse battery",
                "displayName": "Late",
            },
        )
        ana = signup(client, "ana@example.com")
        traveller.shift(timedelta(hours=25))
        outcome = maintenance.run("remove_unverified_accounts")
        assert (outcome.examined, outcome.changed) == (2, 1)
        assert UserRecord.get(ana.user_id)
        login = call(
            client,
            "POST",
            "/auth/login",
            {"email": "late@example.com", "password": "correct horse battery"},
        )
        assert login.status_code == 401


def test_abandoned_uploads_are_removed_and_free_their_quota_slot(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        response = call(
            client, "POST", "/images", {"contentType": "image/jpeg", "bytes": 1000}, ana
        )
        image_id = json.loads(response.body)["imageId"]
        assert UserRecord.get(ana.user_id).photo_count == 1
        traveller.shift(timedelta(hours=25))
        assert maintenance.run("remove_abandoned_uploads").changed == 1
        assert ImageRecord.count(ana.user_id, ImageRecord.image_id == image_id) == 0
        assert UserRecord.get(ana.user_id).photo_count == 0


def test_friend_requests_pending_30_days_are_rejected(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        bob = signup(client, "bob@example.com", name="Bob")
        code = json.loads(call(client, "GET", "/me", user=bob).body)["friendCode"]
        assert (
            call(client, "POST", "/friends/requests", {"friendCode": code}, ana).status_code == 201
        )
        traveller.shift(timedelta(days=29))
        assert maintenance.run("reject_stale_requests").changed == 0
        traveller.shift(timedelta(days=2))
        assert maintenance.run("reject_stale_requests").changed == 1
        assert FriendshipRecord.count(bob.user_id) == 0 and FriendshipRecord.count(ana.user_id) == 0


def test_a_silent_frame_is_marked_offline(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        frame = pair_frame(client, ana)
        client.lambda_.invoke(
            "frame_status", {"frameId": frame["frameId"], "online": True, "firmware": "0.1.0"}
        )
        traveller.shift(timedelta(minutes=30))
        assert maintenance.run("mark_stale_frames").changed == 0
        traveller.shift(timedelta(minutes=40))
        assert maintenance.run("mark_stale_frames").changed == 1
        assert FrameRecord.get(frame["frameId"]).online is False


def test_an_interrupted_run_is_finished_by_the_next_and_overlapping_runs_do_no_harm(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        frame = pair_frame(client, ana)
        image = upload_photo(client, ana)
        shares = [_send(client, ana, image, frame["frameId"], duration="24h") for _ in range(1)]
        for _ in range(5):
            shares.append(
                _send(client, ana, upload_photo(client, ana), frame["frameId"], duration="24h")
            )
        traveller.shift(timedelta(hours=25))
        first = maintenance.run("expire_shares", batch=2)  # a run cut short
        assert (first.examined, first.finished) == (2, False)
        second = maintenance.run("expire_shares")
        overlap = maintenance.run("expire_shares")
        assert second.examined == 4 and overlap.examined == 0
        states = {DeliveryRecord.get(frame["frameId"], s["shareId"]).state for s in shares}
        assert states == {"expired"}


def test_a_job_reads_the_work_that_is_due_not_the_whole_table(client):
    """10,000 timers not due next to 50 that are: the run reads about 50 items."""
    with time_machine.travel(START, tick=False):
        with timers.TimerRecord.batch_write() as batch:
            for i in range(10_000):
                due = START + timedelta(days=1 + i % 300, minutes=i % 60)
                batch.save(
                    timers.TimerRecord(
                        f"expire_shares#{due:%Y-%m-%dT%H}",
                        f"{due.isoformat()}#n{i}",
                        job="expire_shares",
                        ref={"shareId": f"shr_missing{i}"},
                        due_at=due,
                    )
                )
            for i in range(50):
                due = START - timedelta(minutes=1 + i)
                batch.save(
                    timers.TimerRecord(
                        f"expire_shares#{due:%Y-%m-%dT%H}",
                        f"{due.isoformat()}#d{i}",
                        job="expire_shares",
                        ref={"shareId": f"shr_due{i}"},
                        due_at=due,
                    )
                )
        with metered() as meter:
            outcome = maintenance.run("expire_shares")
        assert outcome.examined == 50
        assert meter.items_read <= 60, meter
        assert meter.calls["Scan"] == 0


def test_the_confirmation_mail_and_the_web_app_promise_what_the_removal_job_does(client):
    """The link lives exactly as long as the unconfirmed account; the mail (also a resent one)
    and the sign-up and log-in pages say so; the job removes the account at that moment."""
    from pathlib import Path

    import jwt

    from chalicelib.services.accounts import UNVERIFIED_LIFETIME
    from tests.integration.conftest import mailed_token, sent_mail

    def last_mail_to(address):
        return [m for m in sent_mail() if address in m.destinations["ToAddresses"]][-1].body

    hours = int(UNVERIFIED_LIFETIME.total_seconds() // 3600)
    web = Path(__file__).parents[2] / "web" / "src" / "features" / "auth"
    for page in ("SignUpPage.tsx", "LoginPage.tsx"):
        assert f"{hours} hours" in (web / page).read_text(), page
    with time_machine.travel(START, tick=True) as traveller:
        call(
            client,
            "POST",
            "/auth/register",
            {"email": "late@example.com", "password": "correct horse battery", "displayName": "L"},
        )
        deadline = START + UNVERIFIED_LIFETIME
        first = last_mail_to("late@example.com")
        assert f"for {hours} hours, until 26 November 2026, 09:00 UTC" in first, first
        token = mailed_token("late@example.com", "/verify")
        assert jwt.decode(token, options={"verify_signature": False})["exp"] == pytest.approx(
            deadline.timestamp(), abs=2
        )
        traveller.shift(timedelta(hours=20))
        call(client, "POST", "/auth/resend-verification", {"email": "late@example.com"})
        again = last_mail_to("late@example.com")
        assert "for 4 hours, until 26 November 2026, 09:00 UTC" in again, again
        resent = mailed_token("late@example.com", "/verify")
        assert jwt.decode(resent, options={"verify_signature": False})["exp"] == pytest.approx(
            deadline.timestamp(), abs=2
        )
        traveller.shift(timedelta(hours=4, minutes=1))
        assert call(client, "POST", "/auth/verify", {"token": resent}).status_code == 400
        count = len(sent_mail())
        call(client, "POST", "/auth/resend-verification", {"email": "late@example.com"})
        assert len(sent_mail()) == count  # due for removal: no link that cannot work
        assert maintenance.run("remove_unverified_accounts").changed == 1
