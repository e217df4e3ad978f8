"""Run every benchmark, one after the other, and print their figures (``make bench``).

    .venv/bin/python tests/bench/run_all.py            # all, rendering in its --quick mode
    .venv/bin/python tests/bench/run_all.py --full     # rendering's full run, quality at sigma 2 too
    .venv/bin/python tests/bench/run_all.py --only api fanout

Each benchmark runs in its own interpreter (its own local cloud where it needs one), so their
figures do not disturb one another. Nothing passes or fails on a figure: a benchmark that
crashes is reported and the others still run; the exit status says whether all of them ran.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

BENCHMARKS = {
    "api": ["bench_api.py"],
    "send": ["bench_send.py"],
    "send-to-screen": ["bench_send_to_screen.py"],
    "fanout": ["bench_fanout.py"],
    "rendering": ["bench_rendering.py"],
    "cold-start": ["bench_cold_start.py"],
    "frame-idle": ["bench_frame_idle.py"],
    "quality": ["bench_quality.py"],
    "quality-held-out": ["bench_quality.py", "--held-out"],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="rendering's full run")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=None)
    parser.add_argument("--frames", type=int, default=500, help="fan-out frames")
    parser.add_argument("--sends", type=int, default=100, help="send-to-screen sends")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.bench.measure import git_revision, machine

    print(f"# Shareframe benchmarks · {machine()} · git {git_revision()}", flush=True)
    failed = []
    for name in args.only or list(BENCHMARKS):
        script, *options = BENCHMARKS[name]
        command = [sys.executable, str(HERE / script), *options]
        if name == "rendering" and not args.full:
            command.append("--quick")
        if name.startswith("quality") and not args.full:
            command += ["--sigma", "1"]  # --full adds sigma 2 (twice the time)
        if name == "fanout":
            command += ["--frames", str(args.frames)]
        if name == "send":
            command += ["--rounds", "1"]  # the new code only (--before DIR compares)
        if name == "send-to-screen":
            command += ["--sends", str(args.sends)]
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT)
        print(f"({name}: {time.monotonic() - started:.0f} s, exit {result.returncode})", flush=True)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
