"""What the benchmarks share: percentiles, process memory and CPU from /proc, a local cloud."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for entry in (ROOT, ROOT / "device_firmware"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(values: list[float]) -> str:
    """ "p50 12.3 ms · p95 … · p99 … · max … (n=…)" from values in seconds."""
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
        f"p99 {percentile(ms, 99):7.1f} ms  max {max(ms):7.1f} ms  "
        f"mean {statistics.fmean(ms):7.1f} ms  (n={len(ms)})"
    )


def children(pid: int) -> list[int]:
    """Every descendant of ``pid``."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                kids = [int(k) for k in task.read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def rss_mb(pid: int, *, tree: bool = False) -> float:
    total = 0
    for each in [pid, *(children(pid) if tree else [])]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_seconds(pid: int, *, tree: bool = False) -> float:
    total = 0
    for each in [pid, *(children(pid) if tree else [])]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def process_named(root: int, needle: str) -> int | None:
    """The first process under ``root`` (or root) whose command line contains ``needle``."""
    for pid in [root, *children(root)]:
        try:
            if needle in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode():
                return pid
        except OSError:
            continue
    return None


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        memory = 0.0
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · nproc {os.cpu_count()} ({model}) · "
        f"{memory:.1f} GB RAM · Python {platform.python_version()} · {platform.system()} "
        f"{platform.release()} · load average {os.getloadavg()[0]:.1f} at start"
    )


@contextmanager
def local_cloud() -> Iterator[object]:
    """The same local cloud as the e2e tests: free ports, a temporary state dir."""
    from tests.e2e.stack import LocalCloudStack

    with tempfile.TemporaryDirectory(prefix="shareframe-bench-") as state:
        stack = LocalCloudStack(Path(state))
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"
