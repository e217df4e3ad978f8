"""The frame bundle carries the protocol's one schema and validator, byte for byte."""

from __future__ import annotations

import io
import tarfile

from infra.release import bundle as bundles

PROTOCOL_DIR = bundles.DEFAULT_SOURCE / "frame_protocol"


def test_the_bundle_carries_the_protocol_schema_as_it_is_in_the_source() -> None:
    with tarfile.open(fileobj=io.BytesIO(bundles.bundle_bytes("1.2.3")), mode="r:gz") as tar:
        shipped = {
            member.name.removeprefix("shareframe_frame/frame_protocol/"): tar.extractfile(
                member
            ).read()  # type: ignore[union-attr]
            for member in tar.getmembers()
            if member.isfile() and member.name.startswith("shareframe_frame/frame_protocol/")
        }
    source = {path.name: path.read_bytes() for path in PROTOCOL_DIR.glob("*.*") if path.is_file()}
    assert {"schema.json", "validator.py", "__init__.py"} <= set(source)
    assert shipped == {name: data for name, data in source.items() if not name.endswith(".pyc")}
