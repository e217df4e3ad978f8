"""Cold import of every Lambda function, from the unpacked package ``make package`` built.

Run from the repository root::

    .venv/bin/python tests/bench/bench_cold_start.py                      # builds build/bench
    .venv/bin/python tests/bench/bench_cold_start.py --package build/dev  # an existing build
    .venv/bin/python tests/bench/bench_cold_start.py --compare build/before

For each function of ``sam.json`` the code zip and that function's layers are unpacked the way
Lambda lays them out (``/var/task`` first, then each layer's ``python/``), and a fresh Python 3.12
with nothing else on ``sys.path`` (``-I -S``) imports the function's handler module under
``-X importtime`` and ``-B`` (Lambda cannot write ``__pycache__``: a package without
precompiled modules compiles them on every cold start). The figure is the sum of the top-level cumulative import times after the
interpreter's own start-up (``wall``), with the CPU time the import took in that process
(``cpu``, ``time.process_time``: far less sensitive to a busy machine), medians of 11 runs; the
heaviest top-level imports are listed from the first run. ``--compare`` measures another build (e.g. the one before a change) in the same
run, interleaved, so the two are compared on the same machine load.

A package without a bundled boto3 (the runtime's copy) is given the dev virtualenv's boto3 and
s3transfer as a stand-in for the runtime's, so it imports at all.

``--first-call`` measures what a cold start costs until the first answer: in a fresh interpreter
laid out as above, the handler's import and then one real event against a moto server
provisioned from the template (an account is made through the packaged API first): the
authorizer with a valid token, ``GET /me``, a schedule, an IoT rule's event. Each answer is
checked (a failing call would be a different, cheaper path). CPU time in that process is the
robust figure (the wall time includes moto's own work on a shared machine)::

    .venv/bin/python tests/bench/bench_cold_start.py --first-call --compare build/before

``--first-call --snapstart`` emulates SnapStart instead: the runtime's hook registry
(``snapshot_restore_py``, not bundled) is a stand-in that records the hooks; after the import
the before-snapshot hooks run (init: what the snapshot holds), then, timed as what a restored
copy pays, the after-restore hooks and the first event. The restore itself (Firecracker
loading the snapshot's memory) cannot be measured here::

    .venv/bin/python tests/bench/bench_cold_start.py --first-call --snapstart --compare build/before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

MARK = "--cold-import-starts-here--"
SNIPPET = """
import sys, time
sys.path[:0] = {paths!r}
sys.stderr.write({mark!r} + "\\n")
cpu = time.process_time()
import importlib
module = importlib.import_module({module!r})
getattr(module, {attr!r})
print(time.process_time() - cpu)
"""


@dataclass
class Function:
    logical_id: str
    handler: str
    paths: list[str]
    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    heaviest: list[tuple[float, str]] = field(default_factory=list)


def unpack(zip_path: Path, into: Path) -> Path:
    stamp = into / ".unpacked-from"
    signature = f"{zip_path.resolve()} {zip_path.stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == signature:
        return into
    if into.exists():
        subprocess.run(["rm", "-rf", str(into)], check=True)
    into.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    stamp.write_text(signature)
    return into


def runtime_boto3_stand_in(scratch: Path) -> Path:
    """boto3 + s3transfer from the dev virtualenv, for a package that relies on the runtime's."""
    import boto3
    import s3transfer

    target = scratch / "runtime-boto3"
    if not target.exists():
        target.mkdir(parents=True)
        for module in (boto3, s3transfer):
            source = Path(module.__file__ or "").parent
            subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    return target


def functions_of(build: Path, scratch: Path) -> list[Function]:
    template = json.loads((build / "sam.json").read_text())
    resources = template["Resources"]
    code = unpack(build / "deployment.zip", scratch / "task")
    bundled_boto3 = (code / "boto3").exists()
    found = []
    for lid, res in sorted(resources.items()):
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        paths = [str(code)]
        for layer in props.get("Layers", []):
            layer_id = layer["Ref"]
            uri = resources[layer_id]["Properties"]["ContentUri"]
            unpacked = unpack((build / uri).resolve(), scratch / "layers" / layer_id)
            paths.append(str(unpacked / "python"))
        if not bundled_boto3 and not any((Path(p) / "boto3").exists() for p in paths):
            paths.append(str(runtime_boto3_stand_in(scratch)))
        found.append(Function(lid, props["Handler"], paths))
    return found


def measure(function: Function, python: str) -> None:
    module, _, attr = function.handler.rpartition(".")
    snippet = SNIPPET.format(paths=function.paths, mark=MARK, module=module, attr=attr)
    env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1", "LANG": "C.UTF-8"}
    env.update(
        SHAREFRAME_PREFIX="shareframe-bench",
        SHAREFRAME_MEDIA_BUCKET="shareframe-bench-media",
        AWS_LAMBDA_FUNCTION_NAME=function.logical_id,
    )
    result = subprocess.run(
        # -B: Lambda's /var/task and /opt are read-only, so nothing compiled at import is kept.
        [python, "-I", "-S", "-B", "-X", "importtime", "-c", snippet],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{function.logical_id}: import failed\n{result.stderr[-3000:]}")
    lines = result.stderr.split(MARK + "\n", 1)[1].splitlines()
    top: list[tuple[float, str]] = []
    for line in lines:
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|", 2)
        if not name.startswith(" ") or name.startswith("  "):
            continue  # a nested import: already counted in its parent's cumulative time
        try:
            top.append((int(cumulative) / 1000, name.strip()))
        except ValueError:
            continue  # the header line
    function.samples.append(sum(ms for ms, _ in top))
    function.cpu.append(float(result.stdout.strip()) * 1000)
    if len(function.samples) == 1 or not function.heaviest:
        function.heaviest = sorted(top, reverse=True)[:4]


# Cold import + first invocation (--first-call) ---------------------------------------------

FIRST_CALL_RUNNER = """
import importlib, json, sys, time
job = json.loads(sys.stdin.read())
sys.path[:0] = job["paths"]

class Context:  # what Lambda's context object offers that handlers (and Chalice) read
    function_name = job["function"]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + job["function"]
    log_group_name = "/aws/lambda/" + job["function"]
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000

hooks = {"before": [], "after": []}
if job["snapstart"]:  # the runtime's hook registry, as Lambda's Python runtime provides it
    import types
    registry = types.ModuleType("snapshot_restore_py")
    registry.register_before_snapshot = lambda f, *a, **k: hooks["before"].append((f, a, k))
    registry.register_after_restore = lambda f, *a, **k: hooks["after"].append((f, a, k))
    sys.modules["snapshot_restore_py"] = registry

module, _, attr = job["handler"].rpartition(".")
wall, cpu = time.perf_counter(), time.process_time()
handler = getattr(importlib.import_module(module), attr)
for hook, args, kwargs in hooks["before"]:  # init ends: the snapshot would be taken here
    hook(*args, **kwargs)
imported_wall, imported_cpu = time.perf_counter(), time.process_time()
for hook, args, kwargs in hooks["after"]:  # a restored copy starts here
    hook(*args, **kwargs)
result = handler(job["event"], Context())
called_wall, called_cpu = time.perf_counter(), time.process_time()
print(MARK + json.dumps({
    "import_wall": imported_wall - wall, "import_cpu": imported_cpu - cpu,
    "call_wall": called_wall - imported_wall, "call_cpu": called_cpu - imported_cpu,
    "result": result,
}, default=str))
""".replace("MARK", repr(MARK))


@dataclass
class FirstCall:
    label: str  # what is measured: the function and its event
    function: str  # logical id
    event: dict[str, object]
    check: Callable[[Any], bool]  # holds for the answer expected
    samples: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)


def first_calls(user_id: str, token: str) -> list[FirstCall]:
    from chalicelib.domain.ids import new_id
    from tests.deploy.test_built_artifact import (
        api_request,
        authorizer_event,
        scheduled_event,
    )

    return [
        FirstCall(
            "JwtAuthorizer, a valid token",
            "JwtAuthorizer",
            authorizer_event(f"Bearer {token}"),
            lambda result: result["principalId"] == user_id,
        ),
        FirstCall(
            "APIHandler, GET /me",
            "APIHandler",
            api_request("GET", "/me", user=user_id),
            lambda result: result["statusCode"] == 200,
        ),
        FirstCall(
            "ExpireShares (a schedule)",
            "ExpireShares",
            scheduled_event("shareframe-dev-ExpireShares"),
            lambda result: True,  # ran without an error
        ),
        FirstCall(
            "FrameStatus (an IoT rule)",
            "FrameStatus",
            {"frameId": new_id("frm"), "online": True, "firmware": "1.0.0"},
            lambda result: isinstance(result, str) and "malformed" not in result,
        ),
    ]


def first_call(
    artifact: object, call: FirstCall, env: dict[str, str], python: str, snapstart: bool
) -> tuple:
    from tests.deploy.test_built_artifact import Artifact

    assert isinstance(artifact, Artifact)
    props = artifact.functions[call.function]
    variables = {k: v for k, v in props["Environment"]["Variables"].items() if isinstance(v, str)}
    job = {
        "paths": artifact.paths(call.function),
        "handler": props["Handler"],
        "function": call.function,
        "event": call.event,
        "snapstart": snapstart,
    }
    result = subprocess.run(
        [python, "-I", "-S", "-B", "-c", FIRST_CALL_RUNNER],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env={**variables, **env, "AWS_LAMBDA_FUNCTION_NAME": call.function},
        timeout=300,
        check=False,
    )
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith(MARK)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{call.label}: failed\n{result.stderr[-3000:]}")
    outcome = json.loads(lines[-1].removeprefix(MARK))
    if not call.check(outcome["result"]):
        raise RuntimeError(f"{call.label}: unexpected answer {outcome['result']!r}")
    keys = ("import_wall", "import_cpu", "call_wall", "call_cpu")
    return tuple(outcome[k] * 1000 for k in keys)


def run_first_calls(builds: dict[str, Path], runs: int, python: str, snapstart: bool) -> int:
    import contextlib
    import re
    import tempfile
    from urllib.parse import unquote

    import jwt

    from infra.deploy.package import Package
    from infra.localcloud.__main__ import sent_mail
    from infra.localcloud.ca import ensure_ca
    from infra.localcloud.netwait import wait_for_port
    from infra.localcloud.provision import provision
    from infra.localcloud.settings import Settings
    from tests.deploy.test_built_artifact import Artifact, api_request, api_response

    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="first-call-")))
        settings = Settings.from_env().on_free_ports(
            state_dir=scratch,
            functions_dir=ROOT / "functions",
            web_dist=scratch,
            template_path=ROOT / "infra" / "template.json",
        )
        log = stack.enter_context((scratch / "moto.log").open("w"))
        server = str(Path(sys.executable).with_name("moto_server"))
        moto = subprocess.Popen(
            [server, "-H", settings.host, "-p", str(settings.moto_port)],
            stdout=log,
            stderr=log,
        )
        stack.callback(moto.wait, timeout=10)
        stack.callback(moto.terminate)
        wait_for_port(settings.host, settings.moto_port)
        provision(settings, ensure_ca(settings.ca_dir))
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **settings.backend_env()}
        artifacts = {}
        for label, build in builds.items():
            layers = {p.stem.removeprefix("layer-").title(): p for p in build.glob("layer-*.zip")}
            built = Package(build / "sam.json", build / "deployment.zip", layers)
            artifacts[label] = Artifact(built, scratch / label)
        # An account, made through the packaged API as a user would: its id and access token.
        api = artifacts["after"]
        email, password = "bench@example.com", "a long bench passphrase 7"
        body = {"email": email, "password": password, "displayName": "Bench"}
        api_response(
            api.invoke("APIHandler", api_request("POST", "/auth/register", body=body), env=env)[0],
            201,
        )
        mail = next(m for m in sent_mail(settings.moto_url) if email in json.dumps(m["to"]))
        found = re.search(r"/verify\?token=([^\s\"'<&]+)", mail["body"])
        assert found, "no verification link in the mail"
        verify = api_request("POST", "/auth/verify", body={"token": unquote(found.group(1))})
        login = api_request("POST", "/auth/login", body={"email": email, "password": password})
        verified, logged_in = api.invoke("APIHandler", verify, login, env=env)
        api_response(verified, 200)
        token = api_response(logged_in, 200)["accessToken"]
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]

        calls = first_calls(user_id, token)
        load = os.getloadavg()
        what = (
            "SnapStart emulated: init (import + before-snapshot hooks) + restored copy"
            " (after-restore hooks + first call)"
            if snapstart
            else "cold import + first call"
        )
        print(
            f"{what}, median of {runs} (ms; CPU of the function's process,"
            f" wall in brackets) · load {load[0]:.2f} {load[1]:.2f}"
        )
        for run in range(runs):  # interleaved: every build sees the same machine load
            for call in calls:
                for label, artifact in artifacts.items():
                    sample = first_call(artifact, call, env, python, snapstart)
                    call.samples.setdefault(label, []).append(sample)
            print(f"  run {run + 1}/{runs} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    parts = "init + restored = total" if snapstart else "import + call = total"
    header = "".join(f"  {label + ': ' + parts:>38}" for label in builds)
    print(f"{'function, event':32}{header}")
    for call in calls:
        cells = []
        for label in builds:
            columns = list(zip(*call.samples[label], strict=True))
            iw, ic, cw, cc = (statistics.median(c) for c in columns)
            total = statistics.median(s[1] + s[3] for s in call.samples[label])
            cells.append(f"{ic:7.0f} + {cc:6.0f} = {total:6.0f} [{iw + cw:6.0f}]")
        print(f"{call.label:32}" + "".join(f"  {c:>38}" for c in cells))
    print(f"load at the end {os.getloadavg()[0]:.2f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", type=Path, default=None, help="a make-package output dir")
    parser.add_argument("--compare", type=Path, default=None, help="another build to compare")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--python", default=sys.executable, help="a Python 3.12 interpreter")
    parser.add_argument(
        "--only", action="append", default=[], help="a function's logical id (repeatable)"
    )
    parser.add_argument(
        "--first-call", action="store_true", help="import + one real event against moto"
    )
    parser.add_argument(
        "--snapstart", action="store_true", help="with --first-call: emulate SnapStart's hooks"
    )
    args = parser.parse_args()
    build = args.package
    if build is None:
        import platform

        from infra.deploy.package import package
        from infra.deploy.stages import BUILD_DIR, Stage

        stage = Stage.load("dev")
        build = BUILD_DIR / "bench"
        arch = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
        package(stage.name, build, stage_prefix=stage.prefix, arch=arch)  # what runs here
    builds = {"after": build} if args.compare is None else {"before": args.compare, "after": build}
    if args.first_call:
        return run_first_calls(builds, args.runs, args.python, args.snapstart)
    measured = {label: functions_of(path, path / "unpacked") for label, path in builds.items()}
    if args.only:
        measured = {k: [f for f in v if f.logical_id in args.only] for k, v in measured.items()}
    # Functions with the same handler module and the same paths import exactly the same code
    # (the 11 schedules, say): measured once, reported for each.
    unique: dict[tuple[str, tuple[str, ...]], Function] = {}
    for functions in measured.values():
        for function in functions:
            key = (function.handler.rpartition(".")[0], tuple(function.paths))
            unique.setdefault(key, function)
    load = os.getloadavg()
    print(
        f"cold import, median of {args.runs} (ms) · {len(unique)} distinct imports · "
        f"load {load[0]:.2f} {load[1]:.2f}"
    )
    for run in range(args.runs):  # interleaved: both builds see the same machine load
        for function in unique.values():
            measure(function, args.python)
        print(f"  run {run + 1}/{args.runs} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    for functions in measured.values():
        for function in functions:
            twin = unique[(function.handler.rpartition(".")[0], tuple(function.paths))]
            function.samples, function.heaviest = twin.samples, twin.heaviest
            function.cpu = twin.cpu
    names = [f.logical_id for f in measured["after"]]
    header = "  ".join(f"{label + ' wall':>11}  {label + ' cpu':>10}" for label in measured)
    print(f"{'function':24} {header}  handler: heaviest imports (ms, last build)")
    for name in names:
        cells = []
        for functions in measured.values():
            match = [f for f in functions if f.logical_id == name]
            if match:
                wall, cpu = statistics.median(match[0].samples), statistics.median(match[0].cpu)
                cells.append(f"{wall:11.0f}  {cpu:10.0f}")
        after = next(f for f in measured["after"] if f.logical_id == name)
        heavy = ", ".join(f"{n} {ms:.0f}" for ms, n in after.heaviest)
        print(f"{name:24} {'  '.join(cells)}  {after.handler}: {heavy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
