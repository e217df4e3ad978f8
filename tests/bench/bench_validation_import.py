"""What a validation library adds to the API's cold import: msgspec against pydantic v2.

Run from the repository root (both libraries must be importable; pydantic comes with the dev
tools)::

    .venv/bin/python tests/bench/bench_validation_import.py

Each case is a fresh interpreter that first imports what the API imports anyway (chalice.app,
json, dataclasses, typing, logging), then the library, declares one camelCase model and
validates one body with it: the time after the baseline is the library's share of a cold start.
Medians of 11 runs, the cases interleaved so they see the same machine load; wall and CPU time
(``time.process_time``, far less sensitive to a busy machine) of the importing process. This is
how msgspec was chosen (docs/quality.md, "The API contract").
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

RUNS = 11
BASELINE = "import chalice.app, json, dataclasses, typing, logging\n"
CASES = {
    "baseline (chalice.app)": "",
    "msgspec: 1 Struct, 1 body": (
        "import msgspec\n"
        "class Share(msgspec.Struct, rename='camel', forbid_unknown_fields=True):\n"
        "    image_id: str\n    frame_ids: list[str]\n    caption: str | None = None\n"
        "msgspec.convert({'imageId': 'i', 'frameIds': ['f']}, Share)\n"
    ),
    "pydantic v2: 1 model, 1 body": (
        "import pydantic\n"
        "from pydantic.alias_generators import to_camel\n"
        "class Share(pydantic.BaseModel):\n"
        "    model_config = pydantic.ConfigDict(alias_generator=to_camel, extra='forbid')\n"
        "    image_id: str\n    frame_ids: list[str]\n    caption: str | None = None\n"
        "Share.model_validate({'imageId': 'i', 'frameIds': ['f']})\n"
    ),
}
TIMED = (
    "import time\n_wall, _cpu = time.perf_counter(), time.process_time()\n{body}\n"
    "print(time.perf_counter() - _wall, time.process_time() - _cpu)\n"
)


def main() -> None:
    wall: dict[str, list[float]] = {case: [] for case in CASES}
    cpu: dict[str, list[float]] = {case: [] for case in CASES}
    load = os.getloadavg()[0]
    for _ in range(RUNS):
        for case, body in CASES.items():
            out = subprocess.run(
                [sys.executable, "-c", TIMED.format(body=BASELINE + body)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            wall[case].append(float(out[0]) * 1000)
            cpu[case].append(float(out[1]) * 1000)
    print(f"median of {RUNS} (ms) · load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    base_wall = statistics.median(wall["baseline (chalice.app)"])
    base_cpu = statistics.median(cpu["baseline (chalice.app)"])
    for case in CASES:
        w, c = statistics.median(wall[case]), statistics.median(cpu[case])
        print(
            f"{case:32} wall {w:7.1f} (+{w - base_wall:6.1f})   cpu {c:7.1f} (+{c - base_cpu:6.1f})"
        )


if __name__ == "__main__":
    main()
