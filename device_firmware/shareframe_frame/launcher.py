"""Start the installed frame release, rolling back a release that keeps crashing.

Stdlib only, and copied to ``{firmware_root}/launcher.py`` by the running (known-good) version,
so it works even when a new release cannot even be imported. systemd runs::

    python3 /opt/shareframe/launcher.py --config /etc/shareframe/frame.toml

It counts the starts of a release that is not yet confirmed; after MAX_STARTS it points
``current`` back at ``previous`` and queues a ``rolled_back`` event (``crash_loop``) in the
frame's outbox. While a release is unconfirmed it runs it as a child instead of exec'ing it,
and rolls back (``not_confirmed``, exit code 75) if the release has neither confirmed nor
rolled itself back by its deadline: a release that hangs cannot hold the frame either.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType

MAX_STARTS = 3
CONFIRM_WITHIN_SECONDS = 600.0  # firmware.CONFIRM_WITHIN_SECONDS; the pending file may say less
WATCHDOG_GRACE_SECONDS = 10.0  # the release's own deadline check goes first
RESTART_EXIT_CODE = 75
POLL_SECONDS = 0.5
STOP_SECONDS = 10.0


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)


def _note_failed(state_dir: Path | None, version: str) -> None:
    """Same file as firmware.note_failed: the frame never installs this version again."""
    if state_dir is None:
        return
    path = state_dir / "firmware_failed.json"
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = []
    if not isinstance(known, list):
        known = []
    if version not in known:
        _write_json(path, [*known, version][-50:])


def _relink(root: Path, target: Path) -> None:
    tmp = root / ".current.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    tmp.replace(root / "current")


def _rollback(
    root: Path, state_dir: Path, pending_path: Path, pending: dict[str, object], reason: str
) -> bool:
    """Point ``current`` at ``previous``, queue ``rolled_back`` and forget the release."""
    previous = pending.get("previous")
    if not isinstance(previous, str) or not Path(previous).is_dir():
        return False
    _relink(root, Path(previous))
    outbox = state_dir / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    event = {
        "type": "firmware",
        "eventId": str(uuid.uuid4()),
        "version": pending.get("version"),
        "state": "rolled_back",
        "reason": reason,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _write_json(outbox / f"{time.time_ns():020d}-000000.json", event)
    _note_failed(state_dir, str(pending.get("version")))
    pending_path.unlink(missing_ok=True)
    return True


def _watch(
    command: list[str], env: dict[str, str], deadline: float, on_deadline: Callable[[], bool]
) -> int:
    """Run an unconfirmed release as a child; past ``deadline`` stop it and roll back.

    The release confirms itself (deleting firmware_pending.json) once it connected and
    reconciled, or rolls itself back; this catches a release that hangs before it can do either.
    """
    child = subprocess.Popen(command, env=env)  # noqa: S603

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        try:
            return child.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        if time.time() > deadline and on_deadline():
            child.terminate()
            try:
                child.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            return RESTART_EXIT_CODE


def main(argv: list[str]) -> None:
    root = Path(__file__).resolve().parent
    config_path = Path(argv[argv.index("--config") + 1]) if "--config" in argv else None
    state_dir = None
    if config_path is not None:
        try:
            with config_path.open("rb") as fh:
                state_dir = Path(tomllib.load(fh)["state_dir"]).expanduser()
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            state_dir = None
    if state_dir is not None and not state_dir.is_absolute() and config_path is not None:
        state_dir = config_path.parent / state_dir
    pending_path = state_dir / "firmware_pending.json" if state_dir else None
    deadline: float | None = None
    if state_dir is not None and pending_path is not None and pending_path.exists():
        try:
            pending = json.loads(pending_path.read_text())
            pending["starts"] = int(pending.get("starts", 0)) + 1
            crash_loop = pending["starts"] > MAX_STARTS
            if not (crash_loop and _rollback(root, state_dir, pending_path, pending, "crash_loop")):
                _write_json(pending_path, pending)
                installed = float(pending.get("installedAt", time.time()))
                within = float(pending.get("confirmWithinSeconds", CONFIRM_WITHIN_SECONDS))
                deadline = installed + within + WATCHDOG_GRACE_SECONDS
        except (OSError, ValueError, TypeError):
            deadline = None
    current = root / "current"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(current), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "shareframe_frame", *argv]
    if deadline is not None and state_dir is not None and pending_path is not None:
        watched_state, watched_pending = state_dir, pending_path

        def give_up() -> bool:
            try:
                still = json.loads(watched_pending.read_text())
            except (OSError, ValueError):
                return False  # confirmed (or rolled back by the release itself) meanwhile
            return _rollback(root, watched_state, watched_pending, still, "not_confirmed")

        sys.exit(_watch(command, env, deadline, give_up))
    # Replace this process by the release (same interpreter, fixed module name).
    os.execve(sys.executable, command, env)  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1:])
