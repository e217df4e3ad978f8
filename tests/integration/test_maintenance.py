"""Scheduled jobs, with time travel: each finds only due work, finishes interrupted runs, and
is harmless when two runs overlap."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from chalicelib.adapters import timers
from chalicelib.adapters.tables import (
    DeliveryRecord,
    FriendshipRecord,
    ImageRecord,
    TimerRecord,
    UserRecord,
)
from chalicelib.domain.timefmt import iso
from chalicelib.events import timer_queue
from chalicelib.services import maintenance
from tests.integration.conftest import (
    call,
    drain_renders,
    pair_frame,
    published,
    run_job,
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
    drain_renders(client)
    return json.loads(response.body)


def test_expired_shares_leave_the_frame_and_their_history_goes_14_days_later(client):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        frame = pair_frame(client, ana)
        share = _send(client, ana, upload_photo(client, ana), frame["frameId"], duration="24h")
        keeper = _send(client, ana, upload_photo(client, ana), frame["frameId"], duration="7d")

        traveller.shift(timedelta(hours=23))
        assert run_job(client, "expire_shares").changed == 0
        traveller.shift(timedelta(hours=2))
        assert run_job(client, "expire_shares").changed == 1
        assert DeliveryRecord.get(frame["frameId"], share["shareId"]).state == "expired"
        _, desired = published()[-1]
        assert [i["shareId"] for i in desired["items"]] == [keeper["shareId"]]

        traveller.shift(timedelta(days=13))
        assert run_job(client, "purge_share_history").changed == 0
        traveller.shift(timedelta(days=2))
        assert run_job(client, "purge_share_history").changed == 1
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
        outcome = run_job(client, "remove_unverified_accounts")
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
        assert run_job(client, "remove_abandoned_uploads").changed == 1
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
        assert run_job(client, "reject_stale_requests").changed == 0
        traveller.shift(timedelta(days=2))
        assert run_job(client, "reject_stale_requests").changed == 1
        assert FriendshipRecord.count(bob.user_id) == 0 and FriendshipRecord.count(ana.user_id) == 0


def test_a_sweep_out_of_time_hands_over_and_work_delivered_twice_does_no_harm(client, monkeypatch):
    with time_machine.travel(START, tick=True) as traveller:
        ana = signup(client, "ana@example.com")
        frame = pair_frame(client, ana)
        shares = [
            _send(client, ana, upload_photo(client, ana), frame["frameId"], duration="24h")
            for _ in range(6)
        ]
        traveller.shift(timedelta(hours=25))
        # Every sweep runs out of time after handing over one timer: each continues itself.
        monkeypatch.setattr(maintenance, "CHUNK", 1)
        monkeypatch.setattr(maintenance, "HANDOVER", 1)
        monkeypatch.setattr(maintenance, "SWEEP_BUDGET_SECONDS", -1.0)
        run = run_job(client, "expire_shares")
        assert (run.handed_over, run.examined, run.changed) == (6, 6, 6)
        assert run.continued == 6
        states = {DeliveryRecord.get(frame["frameId"], s["shareId"]).state for s in shares}
        assert states == {"expired"}
        # A chunk delivered again (SQS is at-least-once), and a second sweep: nothing changes.
        again = maintenance.work("expire_shares", [{"shareId": s["shareId"]} for s in shares])
        assert (again.examined, again.changed) == (6, 0)
        assert run_job(client, "expire_shares").handed_over == 0


def test_a_failing_timer_fails_its_chunk_after_doing_the_others(client, monkeypatch):
    done = []

    def flaky(ref):
        if ref["n"] == 1:
            raise RuntimeError("DynamoDB went away")
        done.append(ref["n"])
        return True

    monkeypatch.setitem(maintenance.JOBS, "expire_shares", maintenance.Job(lambda d, r: flaky(r)))
    with pytest.raises(maintenance.WorkFailed):
        maintenance.work("expire_shares", [{"n": 0}, {"n": 1}, {"n": 2}])
    assert done == [0, 2]


def test_a_chunk_reads_its_items_in_one_request_then_writes_each(client):
    """25 abandoned uploads of 25 people, one chunk: one BatchGetItem, then each one's writes
    (the conditional delete and the quota slot), never a GetItem per timer."""
    with time_machine.travel(START, tick=True) as traveller:
        people = [signup(client, f"u{n}@example.com") for n in range(25)]
        refs = []
        for person in people:
            response = call(
                client, "POST", "/images", {"contentType": "image/jpeg", "bytes": 1000}, person
            )
            refs.append({"userId": person.user_id, "imageId": json.loads(response.body)["imageId"]})
        traveller.shift(timedelta(hours=25))
        with metered() as meter:
            outcome = maintenance.work("remove_abandoned_uploads", refs)
        assert (outcome.examined, outcome.changed) == (25, 25)
        assert meter.calls["BatchGetItem"] == 1 and meter.calls["GetItem"] == 0, meter
        assert meter.calls["DeleteItem"] == 25 and meter.calls["UpdateItem"] == 25, meter
        assert all(UserRecord.get(p.user_id).photo_count == 0 for p in people)
        # Delivered again: read once more, nothing written, nothing counted twice.
        with metered() as meter:
            assert maintenance.work("remove_abandoned_uploads", refs).changed == 0
        assert meter.total_calls == 1, meter
        assert all(UserRecord.get(p.user_id).photo_count == 0 for p in people)


def test_a_batch_of_timer_messages_retries_only_the_one_that_failed(client, monkeypatch):
    def picky(deps, ref):
        if ref["shareId"] == "shr_bad":
            raise RuntimeError("DynamoDB went away")
        return False

    monkeypatch.setitem(maintenance.JOBS, "expire_shares", maintenance.Job(picky))
    bodies = [
        json.dumps({"job": "expire_shares", "refs": [{"shareId": "shr_a"}]}),
        json.dumps(
            {"job": "expire_shares", "refs": [{"shareId": "shr_a"}, {"shareId": "shr_bad"}]}
        ),
        "not json",  # dropped: retrying it can never succeed
        json.dumps({"job": "expire_shares", "refs": [{"shareId": "shr_b"}]}),
    ]
    event = client.events.generate_sqs_event(bodies, "shareframe-local-timers")
    for n, record in enumerate(event["Records"]):
        record["messageId"] = f"m{n}"
    answer = client.lambda_.invoke("work_timers", event).payload
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    # Too close to the function's timeout to start a message: each goes back to the queue.
    monkeypatch.setattr(timer_queue, "_seconds_left", lambda event: 0.0)
    answer = client.lambda_.invoke("work_timers", event).payload
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m{n}"} for n in range(4)]}


def _timer(due: datetime, name: str, job: str = "expire_shares") -> TimerRecord:
    ref = {"shareId": name}
    sort = f"{iso(due)}#shareId={name}"
    bucket = f"{job}#{due:%Y-%m-%d}#{timers.shard_of(sort):02d}"
    return TimerRecord(bucket, sort, job=job, ref=ref, due_at=due)


def test_a_job_reads_the_work_that_is_due_not_the_whole_table(client):
    """10,000 timers not due next to 50 that are: the sweeps read about 50 items."""
    with time_machine.travel(START, tick=False):
        with TimerRecord.batch_write() as batch:
            for i in range(10_000):
                batch.save(_timer(START + timedelta(days=1 + i % 300, minutes=i % 60), f"n{i}"))
            for i in range(50):
                batch.save(_timer(START - timedelta(minutes=1 + i), f"shr_due{i}"))
        with metered() as meter:
            run = run_job(client, "expire_shares")
        assert (run.handed_over, run.examined) == (50, 50)
        timer_reads = meter.items_read - 50  # each handler reads its share once
        assert timer_reads <= 60 + timers.SHARDS, meter
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
        assert run_job(client, "remove_unverified_accounts").changed == 1


def test_timer_writes_spread_over_the_shards():
    """Timers written at once land on every shard, none with much more than its share."""
    from collections import Counter

    due = START + timedelta(hours=3)
    spread = Counter(_timer(due, f"shr_{i:06d}").bucket for i in range(16_000))
    assert len(spread) == timers.SHARDS
    assert max(spread.values()) < 1.1 * 16_000 / timers.SHARDS
