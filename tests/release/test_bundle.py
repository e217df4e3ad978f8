"""The release bundle: reproducible, stamped with its version, acceptable to the frame."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from infra.release import bundle as bundles
from shareframe_frame.firmware import safe_extract


def copy_source(tmp_path: Path) -> Path:
    source = tmp_path / "src" / "shareframe_frame"
    shutil.copytree(bundles.DEFAULT_SOURCE, source)
    return source


def test_the_same_source_and_version_give_the_same_bytes(tmp_path):
    source = copy_source(tmp_path)
    first = bundles.build("1.2.3", tmp_path / "a", source)
    # Other mtimes, a byte-code cache and an editor's swap file change nothing.
    for path in source.rglob("*.py"):
        os.utime(path, (1, 1))
    (source / "__pycache__").mkdir(exist_ok=True)
    (source / "__pycache__" / "app.cpython-312.pyc").write_bytes(b"junk")
    (source / ".app.py.swp").write_bytes(b"junk")
    second = bundles.build("1.2.3", tmp_path / "b", source)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256 and first.size == second.size
    assert bundles.bundle_bytes("1.2.4", source) != first.path.read_bytes()


def test_entries_are_sorted_owned_by_nobody_and_free_of_caches(tmp_path):
    source = copy_source(tmp_path)
    (source / "__pycache__").mkdir(exist_ok=True)
    (source / "__pycache__" / "x.pyc").write_bytes(b"junk")
    data = bundles.bundle_bytes("2.0.0", source)
    assert data[4:8] == b"\0\0\0\0"  # gzip header without a timestamp
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names[0] == "shareframe_frame"
    assert names == ["shareframe_frame", *sorted(names[1:])]
    assert "shareframe_frame/__main__.py" in names and "shareframe_frame/launcher.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
        (0, 0, "", "", bundles.FIXED_MTIME)
    }
    assert {m.mode for m in members if m.isfile()} == {0o644}


def test_the_frame_unpacks_it_and_reports_the_stamped_version(tmp_path):
    built = bundles.build("3.1.4", tmp_path / "out")
    unpacked = tmp_path / "versions" / "3.1.4"
    unpacked.mkdir(parents=True)
    safe_extract(built.path, unpacked)  # the frame's own checks
    code = (
        "from shareframe_frame import __version__\n"
        "from shareframe_frame.config import parse_config\n"
        "c = parse_config({'api_url': 'http://x', 'state_dir': '/tmp/s', "
        "'panel': 'waveshare_7in5_v2', 'firmware_version': '9.9.9', "
        "'firmware_root': '/opt/sf', 'firmware_public_key': 'A' * 43 + '='})\n"
        "print(__version__, c.firmware_version)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(unpacked))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    # While updates are on, a fixed firmware_version in frame.toml cannot mask the release's.
    assert out == ["3.1.4", "3.1.4"]
    assert bundles.inspect(built.path).version == "3.1.4"


def test_stamping_needs_exactly_one_version_line():
    assert bundles.stamp_version('"""doc"""\n__version__ = "0.1.0"\nx = 1\n', "1.0.0") == (
        '"""doc"""\n__version__ = "1.0.0"\nx = 1\n'
    )
    with pytest.raises(bundles.BundleError):
        bundles.stamp_version("x = 1\n", "1.0.0")
    with pytest.raises(bundles.BundleError):
        bundles.check_version("1.0")
    with pytest.raises(bundles.BundleError):
        bundles.check_version("1.0.0-beta")


def _tarball(path: Path, entries: list[tarfile.TarInfo]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in entries:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return path


def test_inspect_refuses_what_the_frame_would_refuse(tmp_path):
    def file(name: str) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = 1
        return info

    link = tarfile.TarInfo("shareframe_frame/evil")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    cases = {
        "escape": [file("shareframe_frame/__init__.py"), file("../evil")],
        "link": [file("shareframe_frame/__init__.py"), file("shareframe_frame/__main__.py"), link],
        "no package": [file("other/__main__.py")],
    }
    for name, entries in cases.items():
        with pytest.raises(bundles.BundleError):
            bundles.inspect(_tarball(tmp_path / f"{name}.tar.gz", entries))
    (tmp_path / "not.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(bundles.BundleError):
        bundles.inspect(tmp_path / "not.tar.gz")


def test_a_source_with_a_symlink_is_refused(tmp_path):
    source = copy_source(tmp_path)
    (source / "link.py").symlink_to(source / "app.py")
    with pytest.raises(bundles.BundleError, match="symbolic link"):
        bundles.bundle_bytes("1.0.0", source)
