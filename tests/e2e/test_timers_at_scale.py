"""Due timers of mixed jobs, worked off on the real local cloud within one 5-minute period:
the schedules start sweeps of every shard, the sweeps hand the timers to the timers queue, and
the event runtime's concurrent workers apply them. Nothing is lost, nothing applied twice.

``make test`` runs it with 1,200 timers; the issue's figure (20,000) is ``make scale``
(docs/scale.md "Measurements": not met on the shared 2-core machine under load). A message in
the dead-letter queue (work that failed for good) fails the test at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.localcloud.settings import REPO_ROOT

TIMERS = int(os.environ.get("SHAREFRAME_SCALE_TIMERS", "1200"))
PERIOD_SECONDS = 300
# How long to keep watching past the period (to report the figure even when it is missed).
GIVE_UP_SECONDS = int(os.environ.get("SHAREFRAME_SCALE_GIVE_UP", str(2 * PERIOD_SECONDS)))
WORLD = Path(__file__).with_name("timers_world.py")
SEED_PROCESSES = 4  # writing the world is not what is measured: as fast as the machine allows
JOBS = ["expire_pairing_sessions", "notify_offline_frames", "remove_abandoned_uploads"]

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("localcloud")]


def _world(local_cloud, command: str, n: int, parts: int = 1) -> list[dict]:
    """Run timers_world.py, in ``parts`` processes at once (each writes its share)."""
    env = {**os.environ, **local_cloud.env, "SHAREFRAME_LOG_LEVEL": "WARNING"}
    runs = [
        subprocess.Popen(
            [sys.executable, str(WORLD), command, str(n), str(part), str(parts)],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for part in range(parts)
    ]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=900)
        assert run.returncode == 0, f"timers_world.py {command} failed"
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _seed(local_cloud, n: int) -> dict:
    jobs: dict[str, int] = {}
    for part in _world(local_cloud, "seed", n, SEED_PROCESSES):
        for job, count in part["jobs"].items():
            jobs[job] = jobs.get(job, 0) + count
    return {"jobs": jobs, "timers": sum(jobs.values())}


def _mails_sent(ses) -> int:
    return sum(p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"])


def _backlog(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_due_timers_of_mixed_jobs_are_worked_off_within_one_period(local_cloud):
    n = TIMERS * 10 // 12  # the mix files 12 timers per 10 items (docs in timers_world.py)
    seeded = _seed(local_cloud, n)
    assert seeded["timers"] >= TIMERS * 0.99
    sqs = local_cloud.aws_client("sqs")
    url = sqs.get_queue_url(QueueName="shareframe-local-timers")["QueueUrl"]
    ses = local_cloud.aws_client("ses")
    mails_before = _mails_sent(ses)

    started = time.monotonic()
    env = {**os.environ, **local_cloud.env}
    schedules = [  # what each schedule does when it fires (here all at once)
        subprocess.Popen(
            [sys.executable, "-m", "infra.localcloud", "run-job", job],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for job in [*JOBS, "expire_shares"]
    ]
    assert [s.wait(timeout=120) for s in schedules] == [0] * len(schedules)
    dead_letters = sqs.get_queue_url(QueueName="shareframe-local-timers-dlq")["QueueUrl"]
    backlog = []
    while (waiting := _backlog(sqs, url)) > 0:
        backlog.append((round(time.monotonic() - started), waiting))
        assert time.monotonic() - started < GIVE_UP_SECONDS, backlog[-5:]
        assert _backlog(sqs, dead_letters) == 0, "timer work failed for good (see up.log)"
        time.sleep(2)
    seconds = time.monotonic() - started
    print(f"\n{seeded['timers']} timers worked off in {seconds:.0f} s; backlog {backlog[::5]}")

    [result] = _world(local_cloud, "check", n)
    assert result["left"] == {"sessions": 0, "images": 0, "notices": 0, "timers": 0}, result
    assert result["wrongPhotoCounts"] == [], result
    # Every frame got its notice (none left above) and SES sent exactly one mail per frame:
    # so no frame was mailed twice. (moto's data dump holds every item: too big to read here.)
    assert _mails_sent(ses) - mails_before == seeded["jobs"]["notify_offline_frames"]
    assert seconds <= PERIOD_SECONDS, f"{seconds:.0f} s"
