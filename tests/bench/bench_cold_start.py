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
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", type=Path, default=None, help="a make-package output dir")
    parser.add_argument("--compare", type=Path, default=None, help="another build to compare")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--python", default=sys.executable, help="a Python 3.12 interpreter")
    parser.add_argument(
        "--only", action="append", default=[], help="a function's logical id (repeatable)"
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
