"""Virtual frames: their ``frame.toml`` and the command that runs one."""

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


def write_frame_config(
    settings: Settings,
    name: str,
    dashboard_port: int,
    panel: str = DEFAULT_PANEL,
    **overrides: Any,
) -> Path:
    """Write ``<state_dir>/frames/<name>/frame.toml``; the frame keeps its state in ``state/``."""
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
    values.update(overrides)
    path = directory / "frame.toml"
    path.write_text("".join(f"{key} = {_toml_value(v)}\n" for key, v in values.items()))
    return path


def frame_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "shareframe_frame", "--config", str(config), "--virtual"]


def frame_pythonpath() -> str:
    return str(REPO_ROOT / "device_firmware")
