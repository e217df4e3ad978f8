"""``POST /shares`` to 10 frames of 5 panel types, in-process, before and after issue 16.

Run from the repository root:
    .venv/bin/python tests/bench/bench_send.py --before /path/to/old/functions [--rounds 3]

Each round runs one fresh process per code version, alternating (before, after, before, ...),
so both see the same machine load. A process pairs five panels' frames at Ana's and five at her
friend Bea's (Bea's carry "from Ana" in the caption band), uploads one photo per send, and sends
each photo with a caption to all ten frames (a new photo each time: nothing is cached). The
Chalice test client with the built-in authorizer against moto in-process (``mock_aws``). Where
the code has a renditions queue, the worker's time for one send per process is measured after
the request (the other sends' jobs stay queued).
Prints per version: median and p95 of the request, its S3 and DynamoDB calls, and the load.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PANELS = ["waveshare_7in5_v2", "spectra6_7in3", "spectra6_13in3", "acep_7in3", "grey4_7in5"]
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "SHAREFRAME_PREFIX": "shareframe-local",
    "SHAREFRAME_MEDIA_BUCKET": "shareframe-local-media",
    "SHAREFRAME_LOG_LEVEL": "WARNING",
}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


class AwsCalls:
    """Counts every AWS API call the process makes (boto3 and PynamoDB both end here)."""

    def __init__(self) -> None:
        import botocore.client

        self.calls: Counter[str] = Counter()
        original = botocore.client.BaseClient._make_api_call
        meter = self

        def counted(client: Any, operation: str, params: Any) -> Any:
            meter.calls[f"{client.meta.service_model.service_name}:{operation}"] += 1
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def take(self) -> Counter[str]:
        taken, self.calls = self.calls, Counter()
        return taken


def child(sends: int) -> None:
    """One process of one code version (its ``functions`` first on sys.path): print JSON."""
    import logging
    import tempfile

    from chalice.test import Client
    from moto import mock_aws

    import tests.integration.conftest as it
    from infra.localcloud.ca import ensure_ca
    from infra.localcloud.provision import Provisioner
    from infra.localcloud.settings import Settings
    from infra.localcloud.template import load_local_template

    logging.getLogger("infra.localcloud.provision").setLevel(logging.ERROR)
    out: dict[str, Any] = {"request_ms": [], "worker_ms": [], "s3": [], "ddb": [], "sqs": []}
    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        it._clear_caches()
        ca = ensure_ca(Path(tmp) / "ca")
        Provisioner(load_local_template(Settings.from_env()), None, Path(tmp), ca).run()  # type: ignore[arg-type]
        from app import app

        with Client(app, stage_name="local", project_dir=str(Path.cwd())) as client:
            ana = it.signup(client, "ana@example.com", "Ana")
            bea = it.signup(client, "bea@example.com", "Bea")
            code = json.loads(it.call(client, "GET", "/me", user=bea).body)["friendCode"]
            it.call(client, "POST", "/friends/requests", {"friendCode": code}, ana)
            it.call(client, "POST", f"/friends/requests/{ana.user_id}/accept", user=bea)
            frames = [
                it.pair_frame(client, owner, f"{owner.email} {panel}", panel)["frameId"]
                for panel in PANELS
                for owner in (ana, bea)
            ]
            photos = [
                it.upload_photo(client, ana, it.jpeg_bytes((1600, 1200), (i * 20 % 255, 80, 40)))
                for i in range(sends + 1)
            ]
            has_worker = importlib.util.find_spec("chalicelib.services.delivery_files") is not None
            meter = AwsCalls()
            for n, photo in enumerate(photos):
                body = {"imageId": photo, "frameIds": frames, "caption": "Lisbon"}
                meter.take()
                start = time.perf_counter()
                response = it.call(client, "POST", "/shares", body, ana)
                elapsed = time.perf_counter() - start
                assert response.status_code == 201, response.body[:300]
                calls = meter.take()
                worked = 0.0
                if has_worker and n <= 1:  # the worker's time, once per process (it is slow)
                    start = time.perf_counter()
                    assert all(o.startswith("filled") for o in it.drain_renders(client))
                    worked = time.perf_counter() - start
                if n == 0:
                    continue  # the first send pays for lazy imports
                out["request_ms"].append(elapsed * 1000)
                if worked:
                    out["worker_ms"].append(worked * 1000)
                for service in ("s3", "dynamodb", "sqs"):
                    key = "ddb" if service == "dynamodb" else service
                    out[key].append(sum(v for k, v in calls.items() if k.startswith(service)))
        it._clear_caches()
    print("RESULT " + json.dumps(out))


def run_version(functions: Path, sends: int) -> dict[str, Any]:
    env = {
        **os.environ,
        **ENV,
        "PYTHONPATH": os.pathsep.join([str(functions), str(ROOT), str(ROOT / "device_firmware")]),
    }
    for name in [n for n in env if n.startswith("AWS_ENDPOINT_URL")]:
        del env[name]
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--sends", str(sends)],
        cwd=functions,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{functions}: failed\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, help="the functions/ directory of the old code")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sends", type=int, default=10, help="measured sends per process")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path[:0] = [str(Path.cwd()), str(ROOT)]
        child(args.sends)
        return
    from tests.bench.measure import machine

    versions = {"after": ROOT / "functions"}
    if args.before:
        versions = {"before": args.before.resolve(), **versions}
    print(f"# POST /shares to 10 frames of 5 panels · {machine()}")
    print(f"  load average at start: {os.getloadavg()[0]:.2f}")
    totals: dict[str, dict[str, list[float]]] = {v: {} for v in versions}
    for round_ in range(args.rounds):
        for name, functions in versions.items():
            result = run_version(functions, args.sends)
            print(f"  RAW {name} {json.dumps(result)}", flush=True)
            for key, values in result.items():
                totals[name].setdefault(key, []).extend(values)
            print(
                f"  round {round_ + 1} {name:6s} median {statistics.median(result['request_ms']):7.1f} ms"
                f"  (load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    print(f"  load average at end: {os.getloadavg()[0]:.2f}")
    print(
        f"  {'version':8s} {'n':>3s} {'median':>9s} {'p95':>9s} {'S3 calls':>9s}"
        f" {'DynamoDB':>9s} {'SQS':>5s} {'worker/send':>12s}"
    )
    for name, values in totals.items():
        request = values["request_ms"]
        worker = values.get("worker_ms") or [0.0]
        print(
            f"  {name:8s} {len(request):3d} {statistics.median(request):7.1f}ms {_p95(request):7.1f}ms"
            f" {statistics.median(values['s3']):9.0f} {statistics.median(values['ddb']):9.0f}"
            f" {statistics.median(values['sqs']):5.0f} {statistics.median(worker):10.1f}ms"
        )
    if "before" in totals:
        ratio = _p95(totals["after"]["request_ms"]) / _p95(totals["before"]["request_ms"])
        print(f"  p95 after / before: {ratio:.3f}")


if __name__ == "__main__":
    main()
