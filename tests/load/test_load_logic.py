"""The load test's own arithmetic: the mix, the world it seeds, percentiles, saturation, drains.

Fast and pure (no local cloud); the load run itself is ``make load``, not part of ``make test``.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from infra.localcloud.call_tally import header_value, parse_header
from tests.load.mix import (
    DAILY_MIX,
    MIN_JOB_PERIOD_SECONDS,
    World,
    arrivals,
    compression_for,
    fanout,
    job_periods,
    rates,
)
from tests.load.report import (
    OperationStats,
    busiest,
    cpu_series,
    drained_within,
    percentile,
    render,
    saturated_first,
)


def test_rates_scale_with_population_and_compression():
    base = rates(10_000, 2_000, 1.0)
    assert base["heartbeat"] == pytest.approx(2_000 * 48 / 86_400)
    assert base["sign_in"] == pytest.approx(10_000 * 2 / 86_400)
    doubled = rates(10_000, 2_000, 2.0)
    assert all(doubled[k] == pytest.approx(2 * v) for k, v in base.items())
    assert set(base) == {a.name for a in DAILY_MIX}


def test_compression_for_a_rate_gives_that_rate_back():
    compression = compression_for(25.0, 10_000, 2_000)
    assert sum(rates(10_000, 2_000, compression).values()) == pytest.approx(25.0)


def test_jobs_never_run_more_often_than_the_minimum_period():
    periods = job_periods(1000.0)
    assert min(periods.values()) == MIN_JOB_PERIOD_SECONDS
    assert job_periods(1.0)["expire_shares"] == 300
    assert job_periods(2.0)["expire_shares"] == MIN_JOB_PERIOD_SECONDS
    assert job_periods(4.0)["purge_share_history"] == 900


def test_arrivals_are_ordered_within_the_window_and_near_the_expected_count():
    rng = random.Random(1)
    events = arrivals({"a": 20.0, "b": 5.0, "never": 0.0}, 100.0, rng)
    offsets = [t for t, _ in events]
    assert offsets == sorted(offsets)
    assert all(0 <= t < 100 for t in offsets)
    counts = Counter(name for _, name in events)
    assert 1_800 < counts["a"] < 2_200  # Poisson: mean 2,000, sd ~45
    assert 420 < counts["b"] < 580
    assert "never" not in counts


def test_fanout_stays_within_what_is_available():
    rng = random.Random(2)
    picks = [fanout(rng, 3) for _ in range(2_000)]
    assert min(picks) == 1 and max(picks) == 3
    assert all(fanout(rng, 1) == 1 for _ in range(50))


def test_world_ids_are_valid_backend_ids_and_unique():
    world = World(1_000, 200)
    crockford = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    users = {world.user_id(i) for i in range(1_000)}
    frames = {world.frame_id(j) for j in range(200)}
    assert len(users) == 1_000 and len(frames) == 200
    for value in [*users, *frames]:
        body = value.split("_", 1)[1]
        assert len(body) == 26 and set(body) <= crockford
    codes = {world.friend_code(i) for i in range(1_000)}
    assert len(codes) == 1_000
    assert all(len(c) == 9 and c[4] == "-" and not set(c) & set("01IO") for c in codes)


@pytest.mark.parametrize(("users", "frames"), [(1_000, 200), (10, 10), (10, 50), (7, 3)])
def test_every_frame_has_exactly_one_owner_and_frames_of_inverts_it(users, frames):
    world = World(users, frames)
    owned = [j for i in range(users) for j in world.frames_of(i)]
    assert sorted(owned) == list(range(frames))
    assert all(world.owner(j) in range(users) for j in range(frames))
    assert all(world.owner(j) == i for i in range(users) for j in world.frames_of(i))


def test_everyone_can_reach_a_frame_through_a_friend_when_one_in_five_owns_one():
    world = World(10_000, 2_000)
    for i in range(0, 10_000, 7):
        reachable = world.frames_of(i) + [j for k in world.friends(i) for j in world.frames_of(k)]
        assert reachable, i


def test_friendships_are_symmetric_and_strangers_are_not_friends():
    world = World(50, 10)
    for i in range(50):
        for k in world.friends(i):
            assert i in world.friends(k)
    assert len(world.friendship_pairs()) == 50 * 2
    rng = random.Random(3)
    for i in range(50):
        other = world.stranger(i, rng)
        assert other != i and other not in world.friends(i)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7
    assert percentile([3.0, 1.0, 2.0], 50) == 2
    with pytest.raises(ValueError):
        percentile([], 50)


def test_operation_summary_counts_calls_only_for_operations_that_reported_them():
    stats = OperationStats()
    stats.ok(0.010, {"dynamodb.GetItem": 2, "s3.GetObject": 1})
    stats.ok(0.030, {"dynamodb.GetItem": 1, "dynamodb.Query": 1})
    stats.ok(0.020)  # no header: latency counts, calls do not
    stats.failed("HTTP 500 boom")
    summary = stats.summary(seconds=10.0)
    assert summary["ok"] == 3 and summary["errors"] == 1
    assert summary["errorReasons"] == {"HTTP 500 boom": 1}
    assert summary["perSecond"] == 0.3
    assert summary["p50Ms"] == 20.0 and summary["p99Ms"] == 30.0
    assert summary["dynamodbCallsPerOp"] == 2.0  # 4 DynamoDB calls over 2 reporting requests
    assert summary["awsCallsPerOp"]["s3.GetObject"] == 0.5


def test_call_header_round_trips():
    tally = Counter({"dynamodb.GetItem": 2, "sqs.SendMessage": 1})
    assert header_value(tally) == "dynamodb.GetItem=2,sqs.SendMessage=1"
    assert parse_header(header_value(tally)) == dict(tally)
    assert parse_header(None) == {} and parse_header("") == {}
    assert parse_header("x=1,broken,y=z") == {"x": 1}


def test_saturation_is_the_first_process_to_stay_busy_for_three_samples():
    # (time, cpu seconds): "api" uses a full core from t=10; "moto" from t=5 but only briefly;
    # "events" from t=20.
    api = [(t, 0.0 if t <= 10 else (t - 10) * 0.97) for t in range(0, 45, 5)]
    moto = [(0, 0.0), (5, 0.0), (10, 4.8), (15, 5.0), (20, 5.2), (25, 5.4), (30, 5.6)]
    events = [(t, 0.0 if t <= 20 else (t - 20) * 1.0) for t in range(0, 45, 5)]
    name, at = saturated_first({"api": api, "moto": moto, "events": events})
    assert (name, at) == ("api", 25)
    assert saturated_first({"moto": moto}) == (None, None)
    assert [round(v) for v in cpu_series(moto)[:3]] == [0, 96, 4]
    assert busiest({"api": api, "moto": moto})[0][0] == "api"


def test_drained_within_needs_the_backlog_to_stay_at_zero():
    assert drained_within([(0, 5), (10, 3), (20, 0), (30, 0)], since=5) == 15
    assert drained_within([(0, 5), (10, 0), (20, 2), (30, 0)], since=5) == 25
    assert drained_within([(0, 5), (10, 0), (20, 2)], since=5) is None
    assert drained_within([(0, 0), (10, 0)], since=5) == 0
    assert drained_within([], since=0) is None


def test_render_names_the_failures_and_the_saturated_process():
    op = OperationStats()
    op.ok(0.05, {"dynamodb.Query": 3})
    report = {
        "machine": "test machine",
        "parameters": {
            "users": 10,
            "frames": 2,
            "minutes": 1,
            "compression": 10.0,
            "equivalentFrames": 20,
            "scheduledPerSecond": 1.0,
        },
        "loadAverage": {"start": "1.00", "during": "1.0-2.0", "end": "2.00"},
        "frames": {"connected": 2},
        "operations": {"send": op.summary(60)},
        "errors": 1,
        "errorSamples": ["send: HTTP 500"],
        "lag": {"p99Ms": 10, "maxMs": 20},
        "sustained": False,
        "handlers": {"rule frame_status": {"invocations": 4, "dynamodbPerInvocation": 1.0}},
        "backlog": {"queue timers": {"max": 3, "end": 0, "drainedSeconds": 12.0}},
        "broker": {"receivedPerSecond": "1.0 / 2.0", "sentPerSecond": "0.5 / 1.0"},
        "processes": [{"name": "api", "meanCpu": 95.0, "peakCpu": 99.0, "rssMb": 120.0}],
        "saturation": {"process": "api", "at": "25 s into the drive", "busiest": "api"},
    }
    text = render(report)
    assert "sustained: NO" in text
    assert "error: send: HTTP 500" in text
    assert "saturates first: api (25 s into the drive)" in text
    assert "drained in 12 s" in text
