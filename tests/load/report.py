"""The load test's arithmetic and its report. Pure: numbers in, numbers and text out.

Latencies are nearest-rank percentiles. A process's CPU is "percent of one core" between two
samples of its /proc ticks (a Python process runs its code on one core at a time, so ~100 % is
its ceiling whatever the machine's size). The process that *saturates first* is the first whose
CPU stays at or above ``SATURATED_PERCENT`` for ``SATURATED_SAMPLES`` samples in a row; if none
does, the report names the busiest and says that nothing saturated.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SATURATED_PERCENT = 90.0
SATURATED_SAMPLES = 3


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of a non-empty list."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class OperationStats:
    """Everything measured about one kind of operation."""

    latencies: list[float] = field(default_factory=list)  # seconds, successful ones
    errors: Counter[str] = field(default_factory=Counter)  # reason -> count
    calls: Counter[str] = field(default_factory=Counter)  # "dynamodb.GetItem" -> calls
    counted: int = 0  # operations whose AWS calls were reported (a header was present)

    def ok(self, seconds: float, calls: dict[str, int] | None = None) -> None:
        self.latencies.append(seconds)
        if calls is not None:
            self.calls.update(calls)
            self.counted += 1

    def failed(self, reason: str) -> None:
        self.errors[reason[:160]] += 1

    def merge(self, other: OperationStats) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)
        self.calls.update(other.calls)
        self.counted += other.counted

    def summary(self, seconds: float) -> dict[str, Any]:
        done = len(self.latencies)
        ms = [v * 1000 for v in self.latencies]
        dynamodb = sum(n for name, n in self.calls.items() if name.startswith("dynamodb."))
        return {
            "ok": done,
            "errors": sum(self.errors.values()),
            "errorReasons": dict(self.errors.most_common(5)),
            "perSecond": round(done / seconds, 3) if seconds > 0 else 0.0,
            "p50Ms": round(percentile(ms, 50), 1) if ms else None,
            "p95Ms": round(percentile(ms, 95), 1) if ms else None,
            "p99Ms": round(percentile(ms, 99), 1) if ms else None,
            "maxMs": round(max(ms), 1) if ms else None,
            "dynamodbCallsPerOp": round(dynamodb / self.counted, 2) if self.counted else None,
            "awsCallsPerOp": {
                name: round(n / self.counted, 2) for name, n in sorted(self.calls.items())
            }
            if self.counted
            else {},
        }


def cpu_percent(
    before: tuple[float, float], after: tuple[float, float]
) -> float:  # (monotonic time, cpu seconds)
    """Percent of one core used between two (time, cpu seconds) samples."""
    elapsed = after[0] - before[0]
    return 0.0 if elapsed <= 0 else max(0.0, (after[1] - before[1]) / elapsed * 100)


def cpu_series(samples: Sequence[tuple[float, float]]) -> list[float]:
    """Percent of one core over each interval of a process's (time, cpu seconds) samples."""
    return [cpu_percent(a, b) for a, b in itertools.pairwise(samples)]


def saturated_first(
    series: Mapping[str, Sequence[tuple[float, float]]],
    threshold: float = SATURATED_PERCENT,
    run: int = SATURATED_SAMPLES,
) -> tuple[str | None, float | None]:
    """The process whose CPU first stayed ≥ ``threshold`` for ``run`` intervals, and when.

    ``series`` maps a process name to its (time, cpu seconds) samples. Returns (name, time of
    the interval that completed the run), or (None, None) when no process saturated.
    """
    best: tuple[str | None, float | None] = (None, None)
    for name, samples in series.items():
        streak = 0
        for (t0, c0), (t1, c1) in itertools.pairwise(samples):
            streak = streak + 1 if cpu_percent((t0, c0), (t1, c1)) >= threshold else 0
            if streak >= run:
                if best[1] is None or t1 < best[1]:
                    best = (name, t1)
                break
    return best


def busiest(series: Mapping[str, Sequence[tuple[float, float]]]) -> list[tuple[str, float, float]]:
    """(name, mean %, peak %) of one core per process, busiest first."""
    rows = []
    for name, samples in series.items():
        values = cpu_series(samples)
        if values:
            total = cpu_percent(samples[0], samples[-1])
            rows.append((name, round(total, 1), round(max(values), 1)))
    return sorted(rows, key=lambda row: -row[1])


def drained_within(backlog: list[tuple[float, int]], since: float) -> float | None:
    """Seconds after ``since`` until the backlog samples (time, items) first read 0 and stayed
    0 to the end; None if the last sample is not 0."""
    if not backlog or backlog[-1][1] != 0:
        return None
    when = backlog[-1][0]
    for at, items in reversed(backlog):
        if items != 0:
            break
        when = at
    return max(0.0, when - since)


def render(report: dict[str, Any]) -> str:
    """The readable summary of a report (the JSON has everything)."""
    p = report["parameters"]
    lines = [
        f"Shareframe load test · {report['machine']}",
        f"{p['users']:,} users, {p['frames']:,} frames ({report['frames']['connected']:,} "
        f"connected), {p['minutes']} min at compression x{p['compression']:.1f} "
        f"(= the daily mix of {p['equivalentFrames']:,} frames in real time), "
        f"scheduled {p['scheduledPerSecond']:.2f} ops/s",
        f"load average: start {report['loadAverage']['start']}, during "
        f"{report['loadAverage']['during']}, end {report['loadAverage']['end']} (2 cores, shared)",
        "",
        f"{'operation':<22}{'ok':>8}{'err':>6}{'/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'DDB/op':>8}",
    ]
    for name, op in report["operations"].items():

        def cell(value: Any, width: int) -> str:
            return f"{'-' if value is None else value:>{width}}"

        lines.append(
            f"{name:<22}{op['ok']:>8}{op['errors']:>6}{op['perSecond']:>8.2f}"
            f"{cell(op['p50Ms'], 9)}{cell(op['p95Ms'], 9)}{cell(op['p99Ms'], 9)}"
            f"{cell(op['dynamodbCallsPerOp'], 8)}"
        )
    lines.append("")
    lines.append(
        f"errors: {report['errors']} · start lag p99 {report['lag']['p99Ms']} ms "
        f"(max {report['lag']['maxMs']} ms) · sustained: {'yes' if report['sustained'] else 'NO'}"
    )
    for line in report.get("errorSamples", [])[:8]:
        lines.append(f"  error: {line}")
    lines.append("")
    lines.append("handlers in the event runtime (AWS calls per invocation):")
    for name, handler in report["handlers"].items():
        lines.append(
            f"  {name:<40}{handler['invocations']:>8} x {handler['dynamodbPerInvocation']:>5} "
            "DynamoDB calls"
        )
    lines.append("")
    lines.append("backlog (queued messages + due timers), max during the run → at the end:")
    for name, b in report["backlog"].items():
        drained = b["drainedSeconds"]
        lines.append(
            f"  {name:<40}max {b['max']:>6}  end {b['end']:>6}  "
            f"{'drained in ' + str(round(drained)) + ' s after the drive' if drained is not None else 'NOT drained'}"
        )
    lines.append("")
    broker = report["broker"]
    lines.append(
        f"broker: publishes received/s {broker['receivedPerSecond']} · sent/s "
        f"{broker['sentPerSecond']} (mosquitto $SYS 1-minute averages, mean / max)"
    )
    lines.append("")
    lines.append("processes (% of one core: mean over the drive, peak 5 s; RSS MB at the end):")
    for row in report["processes"]:
        lines.append(
            f"  {row['name']:<18}{row['meanCpu']:>7.1f} %{row['peakCpu']:>8.1f} %"
            f"{row['rssMb']:>9.1f} MB"
        )
    machine = report.get("machineCpu") or {}
    if machine.get("busyPercent") is not None:
        lines.append(
            f"machine: both cores {machine['busyPercent']} % busy during the drive, "
            f"{machine['oursPercentOfBusy']} % of that by the local cloud and the load test "
            "(the rest: other work on the machine)"
        )
    s = report["saturation"]
    lines.append(
        f"saturates first: {s['process']} ({s['at']})"
        if s["process"]
        else f"nothing saturated (≥ {SATURATED_PERCENT:.0f} % of a core for "
        f"{SATURATED_SAMPLES} samples); busiest: {s['busiest']}"
    )
    return "\n".join(lines) + "\n"
