"""Virtual frames: their ``frame.toml`` and the command that runs one.

An *updatable* frame (the default of ``up`` and of the e2e harness) runs like a Pi under
systemd: ``frame_runner`` starts ``launcher.py`` from the frame's own ``firmware_root``
(``frames/<name>/firmware``) and restarts it after an update (exit code 75) or a crash. Its
``frame.toml`` trusts the local cloud's release key (``release/signing.key`` in the state dir,
created by :func:`ensure_release_key`), so ``python -m infra.release publish`` reaches it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from infra.localcloud.settings import REPO_ROOT, Settings

DEFAULT_PANEL = "waveshare_7in5_v2"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def release_key_path(settings: Settings) -> Path:
    """The local cloud's release signing key (never a real stage's)."""
    return settings.state_dir / "release" / "signing.key"


def ensure_release_key(settings: Settings) -> str:
    """Create the local release key if missing; return its public key (the frames' format)."""
    from infra.release import signing

    return signing.public_key_text(signing.ensure(release_key_path(settings)))


def firmware_root(settings: Settings, name: str) -> Path:
    return settings.frames_dir / name / "firmware"


def write_frame_config(
    settings: Settings,
    name: str,
    dashboard_port: int,
    panel: str = DEFAULT_PANEL,
    *,
    updatable: bool = False,
    **overrides: Any,
) -> Path:
    """Write ``<state_dir>/frames/<name>/frame.toml``; the frame keeps its state in ``state/``.

    ``updatable`` adds ``firmware_root`` and ``firmware_public_key`` (the local release key).
    """
    directory = settings.frames_dir / name
    directory.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {
        "api_url": settings.api_url,
        "state_dir": str(directory / "state"),
        "panel": panel,
        "display": "virtual",
        "dashboard_host": settings.host,
        "dashboard_port": dashboard_port,
        "min_refresh_seconds": 3,
    }
    if updatable:
        values["firmware_root"] = str(firmware_root(settings, name))
        values["firmware_public_key"] = ensure_release_key(settings)
    values.update(overrides)
    path = directory / "frame.toml"
    path.write_text("".join(f"{key} = {_toml_value(v)}\n" for key, v in values.items()))
    return path


def frame_command(config: Path, root: Path | None = None) -> list[str]:
    """The frame itself, or (with its ``firmware_root``) the runner that updates it."""
    if root is None:
        return [sys.executable, "-m", "shareframe_frame", "--config", str(config), "--virtual"]
    return [
        sys.executable,
        "-m",
        "infra.localcloud.frame_runner",
        "--root",
        str(root),
        "--config",
        str(config),
        "--virtual",
    ]


def frame_pythonpath() -> str:
    return str(REPO_ROOT / "device_firmware")
