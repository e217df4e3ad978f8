"""The event runtime runs the fixture app's handlers the way AWS would."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.app import Chalice, Cron, Rate

from infra.localcloud import logs
from infra.localcloud.event_runtime import (
    Invoker,
    _timeouts,
    discover,
    failed_messages,
    run_schedule,
    scheduled_event,
)
from infra.localcloud.schedules import RateSchedule, parse_schedule
from infra.localcloud.topic_rules import parse_sql
from tests.e2e.stack import LocalCloudStack
from tests.localcloud.conftest import FIXTURE_APP, make_settings

UTC = dt.UTC


# Schedules -----------------------------------------------------------------------------------
def test_rate_schedules_repeat_at_their_interval():
    schedule = parse_schedule(Rate(5, unit=Rate.MINUTES))
    start = dt.datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)
    assert schedule.next_after(start) == start + dt.timedelta(minutes=5)
    assert parse_schedule("rate(1 day)").next_after(start) == start + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 3 * * ? *)", "2026-11-25T12:00", "2026-11-26T03:00"),
        ("cron(*/15 * * * ? *)", "2026-11-25T12:07", "2026-11-25T12:15"),
        ("cron(30 9 ? * MON-FRI *)", "2026-11-27T10:00", "2026-11-30T09:30"),  # Fri -> Mon
        ("cron(0 0 1 JAN,JUL ? *)", "2026-11-25T00:00", "2027-01-01T00:00"),
        ("cron(0 12 ? * 1 *)", "2026-11-25T00:00", "2026-11-29T12:00"),  # 1 = Sunday
    ],
)
def test_cron_schedules_find_the_next_matching_minute(expression, after, expected):
    moment = dt.datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert parse_schedule(expression).next_after(moment) == dt.datetime.fromisoformat(
        expected
    ).replace(tzinfo=UTC)
    chalice_cron = Cron(0, 3, "*", "*", "?", "*")
    assert parse_schedule(chalice_cron).next_after(moment).hour == 3


def test_unsupported_cron_forms_are_refused():
    with pytest.raises(ValueError, match="not supported"):
        parse_schedule("cron(0 0 L * ? *)")


def test_a_schedule_invokes_its_handler_with_a_scheduled_event_and_a_context(tmp_path):
    app = Chalice(app_name="t")
    calls = []

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def tick(event):
        calls.append((event.to_dict(), event.context.get_remaining_time_in_millis()))

    found = discover(app)
    [config] = found.schedules
    invoker = Invoker(make_settings(tmp_path, FIXTURE_APP), app)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_schedule,
        args=(invoker, config, RateSchedule(dt.timedelta(milliseconds=100)), stop),
    )
    thread.start()
    time.sleep(0.45)
    stop.set()
    thread.join(2)
    assert 2 <= len(calls) <= 5
    event, remaining = calls[0]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert 29_000 < remaining <= 30_000  # lambda_timeout 30 of the fixture's local stage


@pytest.fixture
def json_logs():
    """The local cloud's logging (infra/localcloud/logs.py), undone afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logs.configure()
    yield
    root.handlers[:], root.level = saved


def test_a_failing_scheduled_handler_is_logged_and_does_not_stop_the_runtime(
    tmp_path, capsys, json_logs
):
    app = Chalice(app_name="t")

    @app.schedule("rate(1 minute)")
    def boom(event):
        raise RuntimeError("kaput")

    invoker = Invoker(make_settings(tmp_path, FIXTURE_APP), app)
    assert invoker.invoke("schedule", "boom", scheduled_event("r")) is False
    failure, line = (json.loads(x) for x in capsys.readouterr().out.strip().splitlines()[-2:])
    assert (line["kind"], line["name"], line["ok"]) == ("schedule", "boom", False)
    assert line["duration_ms"] >= 0
    assert failure["level"] == "ERROR" and "RuntimeError: kaput" in failure["exception"]


# Topic rule SQL ------------------------------------------------------------------------------
def test_rule_sql_selects_the_payload_and_topic_fields():
    topic, selections, where = parse_sql(
        "SELECT *, topic(3) AS frameId, timestamp() AS receivedAt "
        "FROM 'shareframe/frames/+/events' WHERE type <> 'debug'"
    )
    assert topic == "shareframe/frames/+/events"
    assert [s.alias for s in selections] == [None, "frameId", "receivedAt"]
    assert where == [("type", "<>", "'debug'")]


# Through the real processes ------------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_cloud(tmp_path_factory):
    state = tmp_path_factory.mktemp("fixture-cloud")
    record = state / "record.jsonl"
    stack = LocalCloudStack(
        state,
        functions_dir=FIXTURE_APP,
        extra_env={"FIXTURE_RECORD": str(record), "SHAREFRAME_SQS_RETRY_SECONDS": "0"},
    )
    stack.start()
    stack.record = record  # type: ignore[attr-defined]
    try:
        yield stack
    finally:
        stack.stop()


def records(
    stack: Any,
    kind: str | None = None,
    timeout: float = 10.0,
    count: int = 1,
    where: Callable[[dict[str, Any]], bool] = lambda r: True,
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        lines = stack.record.read_text().splitlines() if stack.record.exists() else []
        found = [json.loads(line) for line in lines]
        found = [r for r in found if (kind is None or r["kind"] == kind) and where(r)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def logged(stack: Any, text: str, timeout: float = 10.0) -> bool:
    """Whether ``text`` reaches the stack's log within ``timeout``: a handler's record is
    written at once, the runtime's log lines reach the log through a pipe a little later."""
    deadline = time.monotonic() + timeout
    while text not in stack.log:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def sqs(stack: Any) -> Any:
    return boto3.client("sqs", **_aws(stack))


def _aws(stack: Any) -> dict[str, Any]:
    return {
        "endpoint_url": stack.moto_url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


def test_an_mqtt_message_on_a_rule_topic_invokes_its_lambda_with_the_topic_fields(fixture_cloud):
    frame = "frm_R0000000000000000000000001"
    client = fixture_cloud.mqtt_client(frame)
    payload = {"type": "displayed", "eventId": "e-1", "shareId": "shr_1"}
    client.publish(
        f"shareframe/frames/{frame}/events", json.dumps(payload), qos=1
    ).wait_for_publish(5)
    [record] = records(fixture_cloud, "rule", where=lambda r: r["event"].get("eventId") == "e-1")
    assert record["name"] == "frame_events"
    assert record["event"] == {**payload, "frameId": frame}
    assert record["cwd"] == str(FIXTURE_APP)  # like Lambda: the project is the working dir
    assert record["prefix"] == "shareframe-local"  # the stage's environment


def test_a_failing_rule_handler_and_a_non_json_payload_do_not_stop_the_runtime(fixture_cloud):
    frame = "frm_R0000000000000000000000002"
    client = fixture_cloud.mqtt_client(frame)
    status = f"shareframe/frames/{frame}/status"
    client.publish(status, b"not json", qos=1).wait_for_publish(5)
    client.publish(status, json.dumps({"boom": True}), qos=1).wait_for_publish(5)
    client.publish(status, json.dumps({"online": True}), qos=1, retain=True).wait_for_publish(5)
    found = records(
        fixture_cloud, "rule", count=2, where=lambda r: r["event"].get("frameId") == frame
    )
    assert [r["event"] for r in found] == [
        {"boom": True, "frameId": frame},
        {"online": True, "frameId": frame},
    ]
    assert logged(fixture_cloud, "handler error on purpose")
    assert logged(fixture_cloud, "not a JSON object")


def test_frame_reports_right_after_a_broker_restart_still_reach_their_rule(fixture_cloud):
    frame = "frm_R0000000000000000000000003"
    fixture_cloud.restart_broker()
    client = fixture_cloud.mqtt_client(frame)
    event = {"type": "displayed", "eventId": "after-restart"}
    client.publish(f"shareframe/frames/{frame}/events", json.dumps(event), qos=1).wait_for_publish(
        5
    )
    found = records(
        fixture_cloud, "rule", where=lambda r: r["event"].get("eventId") == "after-restart"
    )
    assert [r["event"]["frameId"] for r in found] == [frame]


def test_an_sqs_message_reaches_its_handler_as_a_lambda_batch_and_is_deleted(fixture_cloud):
    client = sqs(fixture_cloud)
    url = client.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    client.send_message(QueueUrl=url, MessageBody="hello-sqs")
    [record] = records(fixture_cloud, "sqs", where=lambda r: "hello-sqs" in r["event"]["bodies"])
    assert record["name"] == "on_upload"
    time.sleep(0.5)
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_failed_sqs_batch_is_delivered_again(fixture_cloud):
    client = sqs(fixture_cloud)
    url = client.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    client.send_message(QueueUrl=url, MessageBody="fail-once")
    found = records(
        fixture_cloud, "sqs", count=2, where=lambda r: "fail-once" in r["event"]["bodies"]
    )
    assert len(found) == 2
    assert logged(fixture_cloud, '"ok": false')


def test_a_message_that_always_fails_ends_in_the_dead_letter_queue(fixture_cloud):
    client = sqs(fixture_cloud)
    url = client.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    dlq = client.get_queue_url(QueueName="shareframe-local-uploads-dlq")["QueueUrl"]
    client.send_message(QueueUrl=url, MessageBody="fail-always")
    deadline = time.monotonic() + 20
    bodies: list[str] = []
    while time.monotonic() < deadline and "fail-always" not in bodies:
        response = client.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)
        bodies += [m["Body"] for m in response.get("Messages", [])]
    assert "fail-always" in bodies
    attempts = records(fixture_cloud, "sqs", where=lambda r: "fail-always" in r["event"]["bodies"])
    assert len(attempts) == 5  # maxReceiveCount of the template's redrive policy


def test_run_job_runs_one_scheduled_function_now(fixture_cloud):
    env = dict(os.environ)
    env.update(fixture_cloud.settings.process_env())
    env["FIXTURE_RECORD"] = str(fixture_cloud.record)
    result = subprocess.run(
        [sys.executable, "-m", "infra.localcloud", "run-job", "every_minute"],
        env=env,
        cwd=str(Path(__file__).parents[2]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [record] = records(fixture_cloud, "schedule")
    assert record["event"]["detail-type"] == "Scheduled Event"
    assert '"kind": "schedule", "name": "every_minute"' in result.stdout


STRESS = """
import itertools, logging, sys, threading
from chalice import Chalice
from chalicelib import observability
from infra.localcloud import logs
from infra.localcloud.event_runtime import Invoker, scheduled_event
from tests.localcloud.conftest import FIXTURE_APP, make_settings
import pathlib, tempfile

logs.configure()
observability.configure()
app = Chalice(app_name="stress")
chatty = logging.getLogger("chalicelib.stress")
calls = itertools.count()

@app.schedule("rate(1 minute)")
def tick(event):
    chatty.info("working", extra={"frameId": "frm_x"})
    if next(calls) % 3 == 0:
        raise RuntimeError("kaput\\nwith a second line")

invoker = Invoker(make_settings(pathlib.Path(tempfile.mkdtemp()), FIXTURE_APP), app)

def worker():
    for _ in range(150):
        invoker.invoke("schedule", "tick", scheduled_event("r"))
        logging.getLogger("infra.localcloud.stress").warning("between\\ninvocations")

threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def test_every_line_a_busy_event_runtime_writes_is_one_json_object():
    """Eight threads invoking handlers that log, fail with tracebacks and finish at once: each
    line on the process's stdout (a pipe, as under honcho) parses as exactly one object."""
    result = subprocess.run(
        [sys.executable, "-c", STRESS],
        cwd=str(Path(__file__).parents[2]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    decoder = json.JSONDecoder()
    for line in lines:
        value, end = decoder.raw_decode(line)
        assert isinstance(value, dict) and end == len(line), line
    invocations = [json.loads(line) for line in lines if line.startswith('{"kind"')]
    assert len(invocations) == 8 * 150
    failed = [r for r in map(json.loads, lines) if "exception" in r]
    assert failed and all("kaput" in r["exception"] for r in failed)


def test_a_partial_batch_response_is_read_as_lambda_reads_it():
    messages = [{"MessageId": f"m{n}"} for n in range(3)]
    # Nothing, an empty list or no list: the whole batch succeeded.
    assert failed_messages(messages, None) == set()
    assert failed_messages(messages, {"batchItemFailures": []}) == set()
    assert failed_messages(messages, {"other": 1}) == set()
    # The messages named failed, and only those.
    answer = {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert failed_messages(messages, answer) == {"m1", "m2"}
    # A message not in the batch, or a malformed answer: the whole batch failed.
    every = {"m0", "m1", "m2"}
    assert failed_messages(messages, {"batchItemFailures": [{"itemIdentifier": "x"}]}) == every
    assert failed_messages(messages, {"batchItemFailures": ["m1"]}) == every
    assert failed_messages(messages, {"batchItemFailures": "m1"}) == every


def test_moto_repaired_to_query_one_partition_answers_as_moto_does():
    """moto_runner.speed_up reads a table query's one partition instead of sorting the whole
    table, and sends items without its generic serializer: the same items, order and pages
    (tables and indexes) and the same attribute values of every type, in a process of its own."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.localcloud.moto_queries"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    answers = json.loads(out.stdout.strip().splitlines()[-1])
    assert answers["repaired"] == answers["moto"]
    assert [sum(len(page) for page in pages) for pages in answers["moto"][2:6]] == [30, 11, 0, 45]
    # SQS counts (all attributes, then two by name): 20 sent, 3 received.
    assert answers["repaired"][6] == ["17", "3", "17", "3"]
    item = answers["repaired"][0]
    assert item["m"] == {"M": {"s": {"S": "x"}, "l": {"L": [{"N": "1.5"}, {"BOOL": True}]}}}
    assert item["b"] == {"B": repr(b"\x00\xff")} and item["z"] == {"NULL": True}


def test_functions_get_locally_the_timeout_they_have_when_deployed(tmp_path):
    """The local stage sets no timeouts: a function budgeting by its remaining time (the timer
    worker) must see the deployed 300 s locally too, not chalice's default."""
    functions = Path(__file__).parents[2] / "functions"
    default, per_function = _timeouts(make_settings(tmp_path, functions))
    assert per_function["work_timers"] == 300 and default == 60
