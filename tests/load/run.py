"""``make load``: the local cloud under a day's traffic of N users and F frames, compressed in time.

    .venv/bin/python -m tests.load.run [--users 10000] [--frames 2000] [--minutes 10]
                                       [--rate OPS_PER_S | --compression X] [--out build/load]

1. starts a local cloud on free ports (tests/e2e/stack.py) with the AWS call tally on
   (infra/localcloud/call_tally.py);
2. seeds the users, frames and friendships through the app's models (tests/load/seed_world.py)
   and issues each frame a certificate from the local device CA;
3. connects the frames (tests/load/frames_sim.py, ~300 paho clients per process) and lets a few
   people upload a first photo;
4. drives the daily mix (tests/load/mix.py) for ``--minutes``: people over HTTP
   (tests/load/users.py), frames' heartbeats and reconnects, and every scheduled job run at its
   compressed period (``python -m infra.localcloud run-job NAME``) on top of the event
   runtime's own schedule;
5. stops the drive, lets receipts arrive and jobs drain, and writes the report (JSON and text)
   to ``build/load/`` (tests/load/report.py).

Not part of ``make test``: it is a measurement, not a pass/fail test. The exit status is 1 when
an operation failed or the schedule was not kept (the rate was not sustained).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.localcloud.call_tally import ENABLED_VARIABLE, tally_file  # noqa: E402
from tests.bench.measure import machine  # noqa: E402
from tests.e2e.stack import LocalCloudStack  # noqa: E402
from tests.load import report as reporting  # noqa: E402
from tests.load.frames_sim import FrameSpec, SimSettings  # noqa: E402
from tests.load.frames_sim import run as run_frames  # noqa: E402
from tests.load.mix import (  # noqa: E402
    World,
    arrivals,
    compression_for,
    job_periods,
    rates,
)
from tests.load.monitor import Monitor, read_json, uptime  # noqa: E402
from tests.load.seed_world import panel_of  # noqa: E402
from tests.load.users import Failed, People, SentShare  # noqa: E402

# The rate this 2-core machine sustained while shared with other work (docs/scale.md).
DEFAULT_COMPRESSION = 1.0
WORKERS = 96  # people act independently: a slow answer must not hold up the next person
WARM_UP_PHOTOS = 16
DRAIN_SECONDS = 300.0  # one period of the most frequent job
LAG_SUSTAINED_SECONDS = 2.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.load.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--frames", type=int, default=2_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    rate = parser.add_mutually_exclusive_group()
    rate.add_argument("--rate", type=float, help="operations per second, all kinds together")
    rate.add_argument(
        "--compression",
        type=float,
        help=f"simulated seconds per real second (default {DEFAULT_COMPRESSION})",
    )
    parser.add_argument("--per-process", type=int, default=300, help="frames per simulator process")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "load")
    args = parser.parse_args(argv)
    if args.users < 10 or args.frames < 1 or args.frames > args.users * 5:
        parser.error("need at least 10 users, 1 frame, and at most 5 frames per user")
    return args


class Drive:
    """Runs the people's side of the mix, the jobs, and collects what happened."""

    def __init__(self, stack: LocalCloudStack, world: World, compression: float, seed: int):
        self.stack = stack
        self.world = world
        self.compression = compression
        self.rng = random.Random(seed)
        self.people = People(world, stack.api_url)
        self.pool = ThreadPoolExecutor(WORKERS, "person")
        self.futures: list[Future[None]] = []
        self.lags: list[float] = []
        self.jobs: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._stop_jobs = threading.Event()
        self._lock = threading.Lock()

    # People ---------------------------------------------------------------------------------
    def _task(self, scheduled: float, what: str, action: Any, *args: Any) -> None:
        lag = time.monotonic() - scheduled
        with self._lock:
            self.lags.append(max(0.0, lag))
        try:
            action(*args)
        except Failed as error:
            with self._lock:
                self.errors.append(f"{what}: {error}")
        except Exception as error:
            self.people.stat(what).failed(f"{type(error).__name__}: {error}")
            with self._lock:
                self.errors.append(f"{what}: {type(error).__name__}: {error}")

    def submit(self, scheduled: float, what: str, action: Any, *args: Any) -> None:
        future = self.pool.submit(self._task, scheduled, what, action, *args)
        with self._lock:
            self.futures.append(future)

    def actor(self) -> int:
        """Someone who signed in lately (people act in the app after signing in), else anyone."""
        with self.people.lock:
            recent = [u for u, (_, at) in self.people.tokens.items() if time.monotonic() - at < 600]
        return self.rng.choice(recent) if recent else self.rng.randrange(self.world.users)

    def _send(self, user: int, rng: random.Random) -> None:
        sent: SentShare = self.people.send(user, rng)
        self.people.await_receipts(sent)

    def _friend(self, user: int, rng: random.Random) -> None:
        other = self.people.friend_request(user, rng)
        if other is not None:
            time.sleep(3)  # the other person opens the app
            self.people.accept(other, user)

    def dispatch(self, what: str, scheduled: float) -> None:
        rng = random.Random(self.rng.random())
        if what == "sign_in":
            self.submit(scheduled, what, self.people.sign_in, self.rng.randrange(self.world.users))
        elif what == "browse":
            self.submit(scheduled, what, self.people.browse, self.actor())
        elif what == "upload":
            self.submit(scheduled, what, self.people.upload, self.actor(), rng)
        elif what == "send":
            with self.people.lock:
                senders = [u for u, photos in self.people.photos.items() if photos]
            self.submit(scheduled, what, self._send, self.rng.choice(senders), rng)
        elif what == "remove":
            self.submit(scheduled, what, self.people.remove, 0, rng)
        elif what == "friend_request":
            self.submit(scheduled, what, self._friend, self.actor(), rng)

    def warm_up(self, photos: int) -> float:
        """A few people upload a first photo (so sends can start at once)."""
        started = time.monotonic()
        users = self.rng.sample(range(self.world.users), min(photos, self.world.users))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda u: self.people.upload(u, random.Random(u)), users))
        return time.monotonic() - started

    def run(self, seconds: float, per_second: dict[str, float]) -> int:
        people = {k: v for k, v in per_second.items() if k not in ("heartbeat", "reconnect")}
        schedule = arrivals(people, seconds, self.rng)
        started = time.monotonic()
        for offset, what in schedule:
            wait = started + offset - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.dispatch(what, started + offset)
        return len(schedule)

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for future in list(self.futures):
            future.exception(timeout=max(0.1, deadline - time.monotonic()))

    # Jobs -----------------------------------------------------------------------------------
    def run_jobs(self) -> None:
        periods = job_periods(self.compression)
        started = time.monotonic()
        due = {job: started + period for job, period in periods.items()}
        env = self.stack._s.process_env()
        while not self._stop_jobs.is_set():
            job = min(due, key=lambda j: due[j])
            if self._stop_jobs.wait(max(0.0, due[job] - time.monotonic())):
                return
            began = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "infra.localcloud", "run-job", job],
                env=env,
                cwd=str(ROOT),
                capture_output=True,
                text=True,
                check=False,
            )
            self.jobs.append(
                {
                    "job": job,
                    "at": round(began - started, 1),
                    "seconds": round(time.monotonic() - began, 2),
                    "ok": done.returncode == 0,
                }
            )
            if done.returncode != 0:
                self.people.stat(f"job {job}").failed(done.stderr.strip()[-160:])
            due[job] = began + periods[job]

    def stop_jobs(self) -> None:
        self._stop_jobs.set()


def start_frames(
    stack: LocalCloudStack, world: World, per_second: dict[str, float], per_process: int, seed: int
) -> tuple[list[tuple[Any, Any]], float, float]:
    """Certificates, then simulator processes; returns them, issue seconds, connect seconds."""
    started = time.monotonic()
    specs = []
    for j in range(world.frames):
        cert, key = stack.issue_client_cert(world.frame_id(j))
        specs.append(FrameSpec(world.frame_id(j), str(cert), str(key), panel_of(j)))
    issued = time.monotonic() - started
    context = multiprocessing.get_context("spawn")
    processes = []
    started = time.monotonic()
    for n, offset in enumerate(range(0, len(specs), per_process)):
        chunk = specs[offset : offset + per_process]
        share = len(chunk) / world.frames
        settings = SimSettings(
            frames=chunk,
            ca=str(stack.ca_cert),
            host=stack.mqtt_host,
            port=stack.mqtt_port,
            heartbeat_per_second=per_second["heartbeat"] * share,
            reconnect_per_second=per_second["reconnect"] * share,
            seed=seed + n,
        )
        parent, child = context.Pipe()
        process = context.Process(target=run_frames, args=(settings, child), daemon=True)
        process.start()
        processes.append((process, parent))
    for _, pipe in processes:
        pipe.recv()
    return processes, issued, time.monotonic() - started


def drain(drive: Drive, monitor: Monitor) -> None:
    """Wait until the last expiring share is due and every backlog reads 0 (at most one period
    of ``expire_shares``, the most frequent job, after the drive)."""
    last_expiry = max((s.expires_at for s in drive.people.sent if s.expires_at), default=0.0)
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        time.sleep(10)
        monitor.sample_backlog_now()
        left = monitor.backlog_now()
        print(f"  draining: backlog {left} · load {uptime()}", flush=True)
        if left == 0 and time.time() > last_expiry + 5:
            return


def report_progress(
    drive: Drive, monitor: Monitor, started: float, seconds: float, loads: list[float]
) -> None:
    """Every 30 s of the drive: the load average (kept for the report) and the errors so far."""
    for _ in range(int(seconds // 30)):
        time.sleep(30)
        loads.append(os.getloadavg()[0])
        print(
            f"  {monitor.now() - started:5.0f} s · load {uptime()} · errors {len(drive.errors)}"
            f" · operations started {len(drive.lags)}",
            flush=True,
        )


def collect_frames(processes: list[tuple[Any, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "latencies": {},
        "errors": {},
        "counts": {},
        "receipts": [],
        "online": 0,
    }
    for _, pipe in processes:
        pipe.send(("report",))
        data = pipe.recv()[1]
        for kind, values in data["latencies"].items():
            merged["latencies"].setdefault(kind, []).extend(values)
        for table in ("errors", "counts"):
            for key, n in data[table].items():
                merged[table][key] = merged[table].get(key, 0) + n
        merged["receipts"] += data["receipts"]
        merged["online"] += data["online"]
    return merged


def handlers_report(state_dir: Path) -> dict[str, Any]:
    totals = (read_json(tally_file(state_dir, "events")) or {}).get("totals", {})
    rows = {}
    for name, entry in sorted(totals.items(), key=lambda kv: -kv[1]["invocations"]):
        dynamodb = sum(n for call, n in entry["calls"].items() if call.startswith("dynamodb."))
        rows[name] = {
            "invocations": entry["invocations"],
            "dynamodbPerInvocation": round(dynamodb / max(1, entry["invocations"]), 2),
            "awsCalls": entry["calls"],
        }
    return rows


def cpu_between(samples: list[tuple[float, float]]) -> float:
    """CPU seconds a process used between its first and last sample."""
    return samples[-1][1] - samples[0][1] if len(samples) >= 2 else 0.0


def series_summary(series: list[tuple[float, float]]) -> str:
    values = [v / 60 for _, v in series]
    return f"{sum(values) / len(values):.1f} / {max(values):.1f}" if values else "-"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    world = World(args.users, args.frames)
    compression = (
        compression_for(args.rate, args.users, args.frames)
        if args.rate
        else (args.compression or DEFAULT_COMPRESSION)
    )
    per_second = rates(args.users, args.frames, compression)
    seconds = args.minutes * 60
    load_start = uptime()
    print(
        f"load test: {args.users} users, {args.frames} frames, {args.minutes} min, "
        f"x{compression:.1f} ({sum(per_second.values()):.2f} ops/s) · load {load_start}",
        flush=True,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shareframe-load-") as state:
        stack = LocalCloudStack(
            Path(state), extra_env={ENABLED_VARIABLE: "1", "SHAREFRAME_LOG_LEVEL": "WARNING"}
        )
        stack.start()
        processes: list[tuple[Any, Any]] = []
        drive: Drive | None = None
        try:
            env = {**stack._s.process_env(), "SHAREFRAME_LOG_LEVEL": "WARNING"}
            seeded = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "tests" / "load" / "seed_world.py"),
                    str(args.users),
                    str(args.frames),
                ],
                env=env,
                cwd=str(ROOT),
                capture_output=True,
                text=True,
                check=True,
            )
            seed = json.loads(seeded.stdout.strip().splitlines()[-1])
            print(f"seeded {seed} · load {uptime()}", flush=True)
            processes, issued, connected_in = start_frames(
                stack, world, per_second, args.per_process, args.seed
            )
            drive = Drive(stack, world, compression, args.seed)
            frame_pids = [p.pid for p, _ in processes]
            monitor = Monitor(
                stack, lambda: {"frame-simulators": frame_pids, "load-driver": [os.getpid()]}
            )
            monitor.start()
            print(
                f"frames connected in {connected_in:.1f} s (certificates {issued:.1f} s) · "
                f"load {uptime()}",
                flush=True,
            )
            warm = drive.warm_up(WARM_UP_PHOTOS)
            print(f"{WARM_UP_PHOTOS} first photos in {warm:.1f} s · load {uptime()}", flush=True)
            drive.people.stats.clear()
            for _, pipe in processes:
                pipe.send(("drive", seconds))
            jobs = threading.Thread(target=drive.run_jobs, daemon=True)
            jobs.start()
            drive_started = monitor.now()
            load_during: list[float] = []
            ticker = threading.Thread(
                target=report_progress,
                args=(drive, monitor, drive_started, seconds, load_during),
                daemon=True,
            )
            ticker.start()
            scheduled = drive.run(seconds, per_second)
            drive_ended = monitor.now()
            for _, pipe in processes:
                pipe.recv()  # "drove"
            print(
                f"drive over ({scheduled} operations scheduled) · load {uptime()}; "
                "waiting for receipts and the jobs' backlog",
                flush=True,
            )
            drive.wait(120)
            drain(drive, monitor)
            drive.stop_jobs()
            monitor.stop()
            frames = collect_frames(processes)
            result = build_report(
                args,
                world,
                compression,
                per_second,
                stack,
                drive,
                monitor,
                frames,
                seed,
                (drive_started, drive_ended),
                scheduled,
                load_start,
                load_during,
                connected_in,
                issued,
            )
        finally:
            for process, pipe in processes:
                with contextlib.suppress(OSError):
                    pipe.send(("stop",))
                process.join(5)  # a simulator still driving does not read its pipe
                if process.is_alive():
                    process.kill()
            if drive is not None:  # on Ctrl-C: do not wait for requests in flight
                drive.stop_jobs()
                drive.pool.shutdown(wait=False, cancel_futures=True)
            stack.stop()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = args.out / f"load-{args.users}u-{args.frames}f-{stamp}"
    base.with_suffix(".json").write_text(json.dumps(result, indent=2))
    text = reporting.render(result)
    base.with_suffix(".txt").write_text(text)
    print(text)
    print(f"report: {base}.json and .txt")
    return 0 if result["sustained"] else 1


def build_report(
    args: argparse.Namespace,
    world: World,
    compression: float,
    per_second: dict[str, float],
    stack: LocalCloudStack,
    drive: Drive,
    monitor: Monitor,
    frames: dict[str, Any],
    seed: dict[str, Any],
    window: tuple[float, float],
    scheduled: int,
    load_start: str,
    load_during: list[float],
    connected_in: float,
    issued: float,
) -> dict[str, Any]:
    seconds = window[1] - window[0]
    operations: dict[str, Any] = {}
    for name, stats in sorted(drive.people.stats.items()):
        operations[name] = stats.summary(seconds)
    for kind, values in sorted(frames["latencies"].items()):
        stats = reporting.OperationStats(latencies=values)
        operations[f"frame {kind}"] = stats.summary(seconds)
    sent_at = {s.share_id: s.sent_at for s in drive.people.sent}
    on_frame = [
        done - sent_at[share] for _, share, _, done in frames["receipts"] if share in sent_at
    ]
    if on_frame:
        operations["send → file on frame"] = reporting.OperationStats(latencies=on_frame).summary(
            seconds
        )
    frame_errors = sum(frames["errors"].values())
    errors = sum(op["errors"] for op in operations.values()) + frame_errors
    lags = drive.lags or [0.0]
    percentile = reporting.percentile
    lag = {
        "p50Ms": round(percentile(lags, 50) * 1000),
        "p99Ms": round(percentile(lags, 99) * 1000),
        "maxMs": round(max(lags) * 1000),
    }
    backlog = {}
    for name, series in sorted(monitor.backlog.items()):
        values = [v for _, v in series]
        backlog[name] = {
            "max": max(values),
            "end": values[-1],
            "drainedSeconds": reporting.drained_within(series, window[1]),
            "series": [(round(t - window[0]), v) for t, v in series],
        }
    cpu = {
        name: [(t, c) for t, c in samples if t >= window[0] - 1 and t <= window[1] + 6]
        for name, samples in monitor.cpu.items()
    }
    busiest = reporting.busiest(cpu)
    saturated, at = reporting.saturated_first(cpu)
    processes = [
        {"name": n, "meanCpu": mean, "peakCpu": peak, "rssMb": monitor.rss.get(n, 0.0)}
        for n, mean, peak in busiest
    ]
    during = [m for m in monitor.machine if window[0] - 1 <= m[0] <= window[1] + 6]
    ours = sum(cpu_between(samples) for samples in cpu.values())
    machine_busy = machine_all = 0.0
    if len(during) >= 2:
        machine_busy = during[-1][1] - during[0][1]
        machine_all = during[-1][2] - during[0][2]
    backlog_drained = all(b["end"] == 0 for name, b in backlog.items() if name != "sampling errors")
    sustained = errors == 0 and lag["p99Ms"] <= LAG_SUSTAINED_SECONDS * 1000 and backlog_drained
    return {
        "machine": machine(),
        "parameters": {
            "users": args.users,
            "frames": args.frames,
            "minutes": args.minutes,
            "compression": round(compression, 2),
            "equivalentFrames": round(args.frames * compression),
            "scheduledPerSecond": round(sum(per_second.values()), 3),
            "ratesPerSecond": {k: round(v, 3) for k, v in per_second.items()},
            "seed": args.seed,
        },
        "setup": {
            "seed": seed,
            "certificatesSeconds": round(issued, 1),
            "framesConnectSeconds": round(connected_in, 1),
        },
        "loadAverage": {
            "start": load_start,
            "during": f"{min(load_during):.1f}-{max(load_during):.1f}" if load_during else "-",
            "end": uptime(),
        },
        "frames": {
            "connected": frames["online"],
            "counts": frames["counts"],
            "errors": frames["errors"],
        },
        "operations": operations,
        "scheduledOperations": scheduled,
        "errors": errors,
        "errorSamples": drive.errors[:20]
        + [f"frame: {k} x{n}" for k, n in frames["errors"].items()],
        "lag": lag,
        "sustained": sustained,
        "handlers": handlers_report(stack.state_dir),
        "apiRoutes": (read_json(tally_file(stack.state_dir, "api")) or {}).get("totals", {}),
        "jobs": drive.jobs,
        "backlog": backlog,
        "broker": {
            "receivedPerSecond": series_summary(monitor.broker.get("publishReceivedPerMinute", [])),
            "sentPerSecond": series_summary(monitor.broker.get("publishSentPerMinute", [])),
            "series": {
                k: [(round(t - window[0]), v) for t, v in s] for k, s in monitor.broker.items()
            },
        },
        "processes": processes,
        "machineCpu": {
            "busyPercent": round(100 * machine_busy / machine_all, 1) if machine_all else None,
            "oursPercentOfBusy": round(100 * ours / machine_busy, 1) if machine_busy else None,
        },
        "saturation": {
            "process": saturated,
            "at": f"{at - window[0]:.0f} s into the drive" if at is not None else None,
            "busiest": f"{busiest[0][0]} ({busiest[0][1]} % of a core)" if busiest else None,
        },
        "loadSeries": [(round(t - window[0]), round(v, 2)) for t, v in monitor.load],
    }


if __name__ == "__main__":
    sys.exit(main())
