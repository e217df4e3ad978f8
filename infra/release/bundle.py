"""The release bundle: a reproducible ``.tar.gz`` with ``shareframe_frame/`` at its top level.

Reproducible: the same source and version give the same bytes (sorted entries, fixed mtimes,
owners and modes, no ``__pycache__``, a gzip header without a timestamp or file name). The
version is stamped into ``shareframe_frame/__init__.py`` (``__version__``), which is what the
frame reports when it runs the release (``config.firmware_version`` defaults to it and is
ignored while updates are on).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPO_ROOT / "device_firmware" / "shareframe_frame"
PACKAGE = "shareframe_frame"
FIXED_MTIME = 1_577_836_800  # 2020-01-01T00:00:00Z: any constant keeps builds identical
SKIP_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
SKIP_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
SKIP_NAMES = frozenset({".DS_Store"})
_VERSION_LINE = re.compile(r"^__version__[ \t]*=[ \t]*[\"'][^\"'\n]*[\"'][ \t]*$", re.MULTILINE)
_SEMVER = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")
MAX_BUNDLE_BYTES = 20 * 1024 * 1024


class BundleError(Exception):
    """The source or a bundle is not a frame release."""


@dataclass(frozen=True)
class Bundle:
    path: Path
    version: str
    sha256: str
    size: int


def check_version(version: str) -> str:
    if not _SEMVER.match(version):
        raise BundleError(f"version {version!r} is not X.Y.Z (e.g. 1.4.2)")
    return version


def stamp_version(init_source: str, version: str) -> str:
    """``__init__.py`` with its single ``__version__ = "..."`` line set to ``version``."""
    stamped, count = _VERSION_LINE.subn(f'__version__ = "{version}"', init_source)
    if count != 1:
        raise BundleError(f"expected exactly one __version__ line in __init__.py, found {count}")
    return stamped


def _files(source: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part in SKIP_DIRS for part in relative.parts):
            continue
        if path.name in SKIP_NAMES or path.name.endswith(SKIP_SUFFIXES):
            continue
        if path.is_symlink():
            raise BundleError(f"{path} is a symbolic link; the frame refuses links in bundles")
        found.append(path)
    return found


def _info(name: str, *, directory: bool, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if directory:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = size
        info.mode = 0o644
    return info


def bundle_bytes(version: str, source: Path = DEFAULT_SOURCE) -> bytes:
    """The bundle of ``source`` (a ``shareframe_frame`` package directory) at ``version``."""
    check_version(version)
    source = source.resolve()
    if not (source / "__init__.py").is_file() or not (source / "__main__.py").is_file():
        raise BundleError(f"{source} is not the shareframe_frame package")
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(_info(PACKAGE, directory=True))
        for path in _files(source):
            name = f"{PACKAGE}/{path.relative_to(source).as_posix()}"
            if path.is_dir():
                tar.addfile(_info(name, directory=True))
                continue
            data = path.read_bytes()
            if path.relative_to(source).as_posix() == "__init__.py":
                data = stamp_version(data.decode(), version).encode()
            tar.addfile(_info(name, directory=False, size=len(data)), io.BytesIO(data))
    return raw.getvalue()


def build(version: str, out_dir: Path, source: Path = DEFAULT_SOURCE) -> Bundle:
    """Write ``out_dir/shareframe-frame-<version>.tar.gz``."""
    data = bundle_bytes(version, source)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"shareframe-frame-{version}.tar.gz"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return Bundle(path, version, hashlib.sha256(data).hexdigest(), len(data))


def inspect(path: Path) -> Bundle:
    """Check a bundle the way the frame will (layout, no links, no escapes) and read its version."""
    data = path.read_bytes()
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(f"{path} is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            for member in members.values():
                parts = Path(member.name).parts
                if member.name.startswith("/") or ".." in parts:
                    raise BundleError(f"{member.name}: path escapes the bundle")
                if not (member.isfile() or member.isdir()):
                    raise BundleError(f"{member.name}: links and special files are refused")
            if f"{PACKAGE}/__main__.py" not in members or f"{PACKAGE}/__init__.py" not in members:
                raise BundleError(f"no {PACKAGE}/ package at the top of {path}")
            init = tar.extractfile(members[f"{PACKAGE}/__init__.py"])
            assert init is not None
            text = init.read().decode()
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path} is not a gzip tarball: {exc}") from exc
    match = re.search(r'^__version__\s*=\s*["\']([^"\']*)["\']', text, re.MULTILINE)
    if match is None:
        raise BundleError(f"{path} has no __version__")
    return Bundle(path, match.group(1), hashlib.sha256(data).hexdigest(), len(data))
