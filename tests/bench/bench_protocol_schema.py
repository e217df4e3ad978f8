"""What checking the frame protocol's schema costs: each candidate validator in a fresh process.

Run from the repository root::

    .venv/bin/python tests/bench/bench_protocol_schema.py [--runs 11] [--extra-path DIR]

For each candidate: the wall time and the growth of resident memory (VmRSS) from before its
import to after it has built validators for the desired state and the status, then the time to
check the largest desired state (50 items). Medians of ``--runs`` fresh interpreters, run in
turn so they see the same load. ``ours`` is shareframe_frame/frame_protocol (the validator both
the frame and the backend use); ``jsonschema`` and ``fastjsonschema`` are the libraries it was
chosen over (``--extra-path`` may point at a ``pip install --target`` directory holding them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.measure import machine  # noqa: E402

PROBE = r"""
import json, sys, time
sys.path[:0] = {paths!r}
def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS"))
schema = json.loads(open({schema!r}).read())
message = json.loads({message!r})
kind = {kind!r}
def wrap(name):
    return {{"$ref": "#/definitions/" + name, "definitions": schema["definitions"]}}
rss0, t0 = rss_kb(), time.perf_counter()
if kind == "ours":
    from shareframe_frame import frame_protocol
    frame_protocol.check("status", {{"online": False}})
    check = lambda m: frame_protocol.check("desired", m)
elif kind == "jsonschema":
    import jsonschema
    jsonschema.Draft7Validator(wrap("status")).validate({{"online": False}})
    check = jsonschema.Draft7Validator(wrap("desired")).validate
else:
    import fastjsonschema
    fastjsonschema.compile(wrap("status"))({{"online": False}})
    check = fastjsonschema.compile(wrap("desired"))
t1, rss1 = time.perf_counter(), rss_kb()
check(message)
t2 = time.perf_counter()
print(json.dumps({{"build_ms": (t1 - t0) * 1000, "rss_kb": rss1 - rss0, "check_ms": (t2 - t1) * 1000}}))
"""


def largest_desired_state() -> str:
    from tests.firmware.test_protocol_doc import EXAMPLES

    message = next(m for k, m in EXAMPLES if k == "desired" and m["paired"])
    item = message["items"][0]
    message["items"] = [
        {
            **item,
            "shareId": f"shr_{i:026d}",
            "caption": "c" * 140,
            "file": {**item["file"], "url": item["file"]["url"] + "x" * 1500},
        }
        for i in range(50)
    ]
    return json.dumps(message)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--extra-path", default=None)
    args = parser.parse_args()
    paths = [str(ROOT / "device_firmware")] + ([args.extra_path] if args.extra_path else [])
    schema = str(ROOT / "device_firmware/shareframe_frame/frame_protocol/schema.json")
    message = largest_desired_state()
    kinds = ["ours", "jsonschema", "fastjsonschema"]
    results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for _ in range(args.runs):
        for kind in kinds:
            code = PROBE.format(paths=paths, schema=schema, message=message, kind=kind)
            run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if run.returncode == 0:
                results[kind].append(json.loads(run.stdout))
    print(f"# frame protocol validators · {machine()} · median of {args.runs}")
    print(
        f"{'validator':<15} {'import+build ms':>16} {'RSS growth MB':>14} {'check 50 items ms':>18}"
    )
    for kind, rows in results.items():
        if not rows:
            print(f"{kind:<15} {'not installed':>16}")
            continue
        build, rss, check = (
            statistics.median(r[k] for r in rows) for k in ("build_ms", "rss_kb", "check_ms")
        )
        print(f"{kind:<15} {build:>16.1f} {rss / 1024:>14.2f} {check:>18.2f}")


if __name__ == "__main__":
    main()
