"""A local directory of Lambda-compatible wheels per architecture, so packaging runs offline.

The first build downloads from PyPI; later builds reuse it while ``requirements.txt`` is
unchanged (a stamp file records its hash). ``build/wheelhouse/<arch>`` for ``arm64`` (what
deploys) and ``x86_64`` (what the built-artifact test runs on this kind of machine).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from infra.deploy.stages import REQUIREMENTS, WHEELHOUSE

PYTHON_VERSION = "3.12"
ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}  # Lambda's name -> the wheels' name
DEFAULT_ARCH = "arm64"  # every native dependency has an aarch64 wheel; 20 % cheaper per GB-s
STAMP = ".requirements.sha256"


def platforms(arch: str) -> list[str]:
    """Lambda's python3.12 runtime (Amazon Linux 2023) has glibc 2.34. pip treats each
    --platform literally, so list every manylinux level up to it (as chalice itself does)."""
    machine = ARCHITECTURES[arch]
    return [f"manylinux_2_{minor}_{machine}" for minor in range(17, 35)] + [
        f"manylinux2014_{machine}"
    ]


def platform_flags(arch: str) -> list[str]:
    flags = ["--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp"]
    for platform in platforms(arch):
        flags += ["--platform", platform]
    return flags


def directory_for(arch: str, root: Path = WHEELHOUSE) -> Path:
    return root / arch


class WheelhouseError(RuntimeError):
    """The wheelhouse is missing and could not be built (usually: no network)."""


def requirements_hash(requirements: Path = REQUIREMENTS) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def is_current(directory: Path = WHEELHOUSE, requirements: Path = REQUIREMENTS) -> bool:
    stamp = directory / STAMP
    return stamp.exists() and stamp.read_text().strip() == requirements_hash(requirements)


def download_command(directory: Path, requirements: Path, arch: str = DEFAULT_ARCH) -> list[str]:
    command = [sys.executable, "-m", "pip", "download", *platform_flags(arch)]
    command += [
        "-r",
        str(requirements),
        "-d",
        str(directory),
        "--disable-pip-version-check",
        "--quiet",
    ]
    return command


def ensure_wheelhouse(
    root: Path = WHEELHOUSE,
    requirements: Path = REQUIREMENTS,
    *,
    arch: str = DEFAULT_ARCH,
    refresh: bool = False,
) -> Path:
    """Return the wheelhouse of ``arch``, downloading it first when missing or stale."""
    directory = directory_for(arch, root)
    if is_current(directory, requirements) and not refresh:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        download_command(directory, requirements, arch),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise WheelhouseError(
            f"could not build the wheelhouse in {directory} (the first build needs PyPI; "
            f"later builds are offline):\n{result.stderr.strip()[-2000:]}"
        )
    (directory / STAMP).write_text(requirements_hash(requirements) + "\n")
    return directory
