"""Start the installed frame release, rolling back a release that keeps crashing.

Stdlib only, and copied to ``{firmware_root}/launcher.py`` by the running (known-good) version,
so it works even when a new release cannot even be imported. systemd runs::

    python3 /opt/shareframe/launcher.py --config /etc/shareframe/frame.toml

It counts the starts of a release that is not yet confirmed; after MAX_STARTS it points
``current`` back at ``previous`` and queues a ``rolled_back`` event in the frame's outbox.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
import uuid
from pathlib import Path

MAX_STARTS = 3


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)


def _relink(root: Path, target: Path) -> None:
    tmp = root / ".current.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    tmp.replace(root / "current")


def main(argv: list[str]) -> None:
    root = Path(__file__).resolve().parent
    config_path = Path(argv[argv.index("--config") + 1]) if "--config" in argv else None
    state_dir = None
    if config_path is not None:
        try:
            with config_path.open("rb") as fh:
                state_dir = Path(tomllib.load(fh)["state_dir"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            state_dir = None
    if state_dir is not None and not state_dir.is_absolute() and config_path is not None:
        state_dir = config_path.parent / state_dir
    pending_path = state_dir / "firmware_pending.json" if state_dir else None
    if pending_path is not None and pending_path.exists():
        try:
            pending = json.loads(pending_path.read_text())
            pending["starts"] = int(pending.get("starts", 0)) + 1
            previous = pending.get("previous")
            if pending["starts"] > MAX_STARTS and previous and Path(previous).is_dir():
                _relink(root, Path(previous))
                outbox = state_dir / "outbox" if state_dir else root
                outbox.mkdir(parents=True, exist_ok=True)
                event = {
                    "type": "firmware",
                    "eventId": str(uuid.uuid4()),
                    "version": pending.get("version"),
                    "state": "rolled_back",
                    "reason": "crash_loop",
                    "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
                _write_json(outbox / f"{time.time_ns():020d}-000000.json", event)
                pending_path.unlink()
            else:
                _write_json(pending_path, pending)
        except (OSError, ValueError, TypeError):
            pass
    current = root / "current"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(current), env.get("PYTHONPATH", "")) if p)
    # Replace this process by the release (same interpreter, fixed module name).
    os.execve(sys.executable, [sys.executable, "-m", "shareframe_frame", *argv], env)  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1:])
