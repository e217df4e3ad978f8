"""Run one virtual frame the way systemd runs a real one (device_firmware/README.md).

    python -m infra.localcloud.frame_runner --root FIRMWARE_ROOT --config frame.toml [--virtual]

The first start lays out ``FIRMWARE_ROOT`` like a Pi's ``/opt/shareframe``: the repository's
``shareframe_frame`` copied to ``versions/<its version>/``, ``current`` pointing at it and
``launcher.py`` beside them. Then it starts ``launcher.py`` (which starts whatever release
``current`` names, and rolls back one that crash-loops) and restarts it whenever it exits, as
``Restart=always`` does: exit code 75 after an update installs, anything else after a crash.
SIGTERM/SIGINT stop the frame and this runner (exit 0). Stdlib only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT / "device_firmware" / "shareframe_frame"
RESTART_AFTER_UPDATE_SECONDS = 0.2
RESTART_AFTER_CRASH_SECONDS = 1.0  # systemd's RestartSec=5, shortened for tests
STOP_TIMEOUT_SECONDS = 10.0
UPDATE_EXIT_CODE = 75


def source_version(source: Path = SOURCE) -> str:
    match = re.search(
        r"^__version__\s*=\s*[\"']([^\"']+)[\"']", (source / "__init__.py").read_text(), re.M
    )
    if match is None:
        raise SystemExit(f"no __version__ in {source / '__init__.py'}")
    return match.group(1)


def prepare_firmware_root(root: Path, source: Path = SOURCE) -> None:
    """Install the repository's frame software as the factory release, unless it was updated.

    While ``current`` is the factory release it is refreshed from the repository on every
    start (edits to device_firmware take effect); once the frame installed a release, its
    ``current`` is left alone.
    """
    version = source_version(source)
    factory = root / "versions" / version
    current = root / "current"
    if current.is_symlink() and current.resolve() != factory.resolve():
        return
    root.mkdir(parents=True, exist_ok=True)
    factory.parent.mkdir(exist_ok=True)
    staging = factory.parent / f".{version}.factory"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(
        source,
        staging / "shareframe_frame",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.rmtree(factory, ignore_errors=True)
    staging.replace(factory)
    if not current.is_symlink():
        tmp = root / ".current.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(factory.relative_to(root))
        tmp.replace(current)
    shutil.copyfile(source / "launcher.py", root / "launcher.py")


def _log(message: str, **fields: object) -> None:
    print(json.dumps({"runner": message, **fields}), file=sys.stderr, flush=True)


def child_env() -> dict[str, str]:
    """The environment minus any PYTHONPATH entry holding the repository's frame software."""
    env = dict(os.environ)
    kept = [
        p
        for p in env.get("PYTHONPATH", "").split(os.pathsep)
        if p and not (Path(p) / "shareframe_frame").is_dir()
    ]
    env["PYTHONPATH"] = os.pathsep.join(kept)
    return env


def run(root: Path, frame_args: list[str]) -> int:
    prepare_firmware_root(root)
    stop = threading.Event()
    lock = threading.Lock()
    child: list[subprocess.Popen[bytes]] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        with lock:
            for process in child:
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.send_signal(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    env = child_env()
    command = [sys.executable, str(root / "launcher.py"), *frame_args]
    while not stop.is_set():
        with lock:
            process = subprocess.Popen(command, env=env)  # noqa: S603
            child[:] = [process]
            if stop.is_set():  # the signal came between the loop test and the start
                process.terminate()
        try:
            code = process.wait()
        except KeyboardInterrupt:
            break
        if stop.is_set():
            break
        delay = (
            RESTART_AFTER_UPDATE_SECONDS
            if code == UPDATE_EXIT_CODE
            else RESTART_AFTER_CRASH_SECONDS
        )
        _log("frame exited; restarting", code=code, current=str((root / "current").readlink()))
        stop.wait(delay)
    for process in child:
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.localcloud.frame_runner")
    parser.add_argument("--root", type=Path, required=True, help="the frame's firmware_root")
    args, frame_args = parser.parse_known_args(argv)
    return run(args.root.resolve(), frame_args)


if __name__ == "__main__":
    sys.exit(main())
