"""The Lambda package carries the frame protocol's schema directory as a copy identical to its
one source: functions/chalicelib/frame_protocol/ holds one link per file of the frame's
directory (Chalice's packager follows links to files, not to directories)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from infra.deploy.package import Package

# On the worker that builds and runs the package (tests/deploy/conftest.py): one build at a time.
pytestmark = pytest.mark.xdist_group("package")

SOURCE = Path(__file__).resolve().parents[2] / "device_firmware/shareframe_frame/frame_protocol"
LINK = Path(__file__).resolve().parents[2] / "functions/chalicelib/frame_protocol"


def test_the_backend_reaches_the_schema_through_links_not_a_second_copy() -> None:
    links = {p.name: p for p in LINK.iterdir() if p.name != "__pycache__"}
    sources = {p.name for p in SOURCE.iterdir() if p.is_file()}
    assert set(links) == sources, "link each file of the frame's frame_protocol/ here"
    for name, link in links.items():
        assert link.is_symlink() and link.resolve() == (SOURCE / name).resolve(), name


def test_the_lambda_zip_carries_the_protocol_schema_byte_for_byte(built: Package) -> None:
    prefix = "chalicelib/frame_protocol/"
    with zipfile.ZipFile(built.zip) as archive:
        shipped = {
            name.removeprefix(prefix): archive.read(name)
            for name in archive.namelist()
            if name.startswith(prefix) and not name.endswith("/") and "__pycache__" not in name
        }
    source = {p.name: p.read_bytes() for p in SOURCE.iterdir() if p.is_file()}
    assert {"schema.json", "validator.py", "__init__.py"} <= set(source)
    assert shipped == source
