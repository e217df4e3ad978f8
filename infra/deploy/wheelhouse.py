"""A local directory of Lambda-compatible wheels, so ``chalice package`` runs offline.

The first build downloads from PyPI; later builds reuse it while ``requirements.txt`` is
unchanged (a stamp file records its hash).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from infra.deploy.stages import REQUIREMENTS, WHEELHOUSE

PYTHON_VERSION = "3.12"
# Lambda's python3.12 runtime (Amazon Linux 2023) has glibc 2.34. pip treats each --platform
# literally, so list every manylinux level up to it (as chalice itself does).
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(17, 35)] + ["manylinux2014_x86_64"]
STAMP = ".requirements.sha256"


class WheelhouseError(RuntimeError):
    """The wheelhouse is missing and could not be built (usually: no network)."""


def requirements_hash(requirements: Path = REQUIREMENTS) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def is_current(directory: Path = WHEELHOUSE, requirements: Path = REQUIREMENTS) -> bool:
    stamp = directory / STAMP
    return stamp.exists() and stamp.read_text().strip() == requirements_hash(requirements)


def download_command(directory: Path, requirements: Path) -> list[str]:
    command = [sys.executable, "-m", "pip", "download", "--only-binary=:all:"]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    command += [
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "-r",
        str(requirements),
        "-d",
        str(directory),
        "--disable-pip-version-check",
        "--quiet",
    ]
    return command


def ensure_wheelhouse(
    directory: Path = WHEELHOUSE, requirements: Path = REQUIREMENTS, *, refresh: bool = False
) -> Path:
    """Return the wheelhouse, downloading it first when missing or stale."""
    if is_current(directory, requirements) and not refresh:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        download_command(directory, requirements), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise WheelhouseError(
            f"could not build the wheelhouse in {directory} (the first build needs PyPI; "
            f"later builds are offline):\n{result.stderr.strip()[-2000:]}"
        )
    (directory / STAMP).write_text(requirements_hash(requirements) + "\n")
    return directory
