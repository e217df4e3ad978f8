"""The API in-process: cold import of the Lambda code, warm latency and DynamoDB work per endpoint.

Run from the repository root:  .venv/bin/python tests/bench/bench_api.py [--repeats 30]

Cold import: every Lambda function of the app (the API handler, the queue handlers, the IoT-rule
targets, the scheduled jobs) is the same ``app.py`` module with a different entry point, so a
cold start imports the same code; it is measured per entry point in a fresh interpreter
(``import app`` then resolve the handler), median of 5, plus the heaviest imports.

Warm latency: the Chalice test client with the built-in authorizer, against moto in-process
(``mock_aws``), so it includes moto's own cost (larger than DynamoDB's real latency, smaller
than a network round trip). DynamoDB calls per request are counted at PynamoDB's
``Connection.dispatch`` (tests/integration/ddb_meter.py), with the items read.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ENTRIES = [
    "app",  # API Gateway -> the Chalice app (every HTTP route)
    "process_uploads",
    "build_exports",
    "frame_events",
    "frame_status",
    "expire_shares",
]
IMPORT_SNIPPET = """
import time, sys, os
sys.path[:0] = [{functions!r}]
os.environ.update({env!r})
t = time.perf_counter()
import app as module
handler = getattr(module, {entry!r})
print(time.perf_counter() - t)
"""
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "SHAREFRAME_PREFIX": "shareframe-local",
    "SHAREFRAME_MEDIA_BUCKET": "shareframe-local-media",
}


def cold_imports() -> None:
    print("## cold import per Lambda entry point (fresh interpreter, median of 5)")
    functions = str(ROOT / "functions")
    for entry in ENTRIES:
        times = []
        for _ in range(5):
            code = IMPORT_SNIPPET.format(functions=functions, env=ENV, entry=entry)
            out = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                cwd=functions,
                check=True,
            )
            times.append(float(out.stdout.strip().splitlines()[-1]))
        print(f"  {entry:18s} {statistics.median(times) * 1000:7.0f} ms")
    code = IMPORT_SNIPPET.format(functions=functions, env=ENV, entry="app")
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=functions,
    )
    rows = []
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
            if cumulative.isdigit() and not name.startswith(" "):
                rows.append((int(cumulative), name.strip()))
    top = [
        r
        for r in sorted(rows, reverse=True)
        if r[1] != "app"
        and ("." not in r[1] or (r[1].count(".") == 1 and r[1].startswith("chalicelib")))
    ][:10]
    print(
        "  heaviest top-level imports (cumulative): "
        + ", ".join(f"{n} {us / 1000:.0f} ms" for us, n in top)
    )


def warm_endpoints(repeats: int) -> None:
    import logging
    import tempfile

    from chalice.test import Client
    from moto import mock_aws

    import tests.integration.conftest as it
    from infra.localcloud.ca import ensure_ca
    from infra.localcloud.provision import Provisioner
    from infra.localcloud.settings import Settings
    from infra.localcloud.template import load_local_template
    from tests.integration.ddb_meter import metered

    logging.getLogger("infra.localcloud.provision").setLevel(logging.ERROR)
    print(f"## warm in-process latency and DynamoDB work per endpoint (median of {repeats})")
    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        it._clear_caches()
        ca = ensure_ca(Path(tmp) / "ca")
        Provisioner(load_local_template(Settings.from_env()), None, Path(tmp), ca).run()  # type: ignore[arg-type]
        from app import app

        with Client(app, stage_name="local", project_dir=str(ROOT / "functions")) as client:
            ana = it.signup(client, "ana@example.com", "Ana")
            ben = it.signup(client, "ben@example.com", "Ben")
            code = json.loads(it.call(client, "GET", "/me", user=ben).body)["friendCode"]
            it.call(client, "POST", "/friends/requests", {"friendCode": code}, ana)
            it.call(client, "POST", f"/friends/requests/{ana.user_id}/accept", user=ben)
            frame = it.pair_frame(client, ana, "Kitchen")["frameId"]
            it.pair_frame(client, ben, "Ben's")
            images = [
                it.upload_photo(client, ana, it.jpeg_bytes((800, 600), (i * 20, 80, 40)))
                for i in range(10)
            ]
            share = json.loads(
                it.call(
                    client, "POST", "/shares", {"imageId": images[0], "frameIds": [frame]}, ana
                ).body
            )["shareId"]
            rotating = iter(range(10**6))
            cases = [
                ("GET", "/me", None),
                ("GET", "/dashboard", None),
                ("GET", "/images", None),
                ("GET", f"/images/{images[1]}", None),
                ("GET", "/frames", None),
                ("GET", f"/frames/{frame}", None),
                ("GET", "/frames/targets", None),
                ("GET", f"/frames/{frame}/items", None),
                ("GET", "/shares", None),
                ("GET", "/shares?direction=received", None),
                ("GET", f"/shares/{share}", None),
                ("GET", "/friends", None),
                ("PATCH", f"/frames/{frame}", lambda: {"name": f"Kitchen {next(rotating)}"}),
                ("POST", "/images", lambda: {"contentType": "image/jpeg", "bytes": 1000}),
                (
                    "POST",
                    "/shares",
                    lambda: {"imageId": images[1 + next(rotating) % 9], "frameIds": [frame]},
                ),
                (
                    "POST",
                    "/auth/login",
                    lambda: {"email": "ben@example.com", "password": "correct horse battery"},
                ),
            ]
            print(
                f"  {'endpoint':36s} {'median':>8s} {'p95':>8s}  {'DynamoDB calls':>14s}  items read"
            )
            for method, path, body in cases:
                times, calls, reads, kinds = [], [], [], {}
                for _ in range(repeats):
                    payload = body() if callable(body) else body
                    with metered() as meter:
                        start = time.perf_counter()
                        response = it.call(
                            client, method, path, payload, ben if "login" in path else ana
                        )
                        times.append(time.perf_counter() - start)
                    assert response.status_code < 300, (
                        path,
                        response.status_code,
                        response.body[:200],
                    )
                    calls.append(meter.total_calls)
                    reads.append(meter.items_read)
                    kinds = dict(meter.calls)
                ordered = sorted(times)
                p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
                label = f"{method} {path.replace(frame, '{frame}').replace(share, '{share}').replace(images[1], '{image}')}"
                mix = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
                print(
                    f"  {label:36s} {statistics.median(times) * 1000:6.1f}ms {p95 * 1000:6.1f}ms"
                    f"  {statistics.median(calls):6.0f} ({mix})  {statistics.median(reads):.0f}"
                )
        it._clear_caches()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    from tests.bench.measure import machine

    print(f"# API · {machine()}")
    cold_imports()
    warm_endpoints(args.repeats)


if __name__ == "__main__":
    os.environ.setdefault("SHAREFRAME_LOG_LEVEL", "WARNING")
    main()
