"""The data export at the issue's scale: 500 originals of 25 MB (12.5 GB) under Lambda's limits.

moto cannot hold 25 GB (the originals and the zip) in a test, so S3 is stood in for at the
boto3 client's edge, for the two kinds of object this export moves and nothing else: reading an
original (``get_object`` on ``originals/``) returns a body that generates its 25 MB on the fly,
and the zip's multipart upload (``create_multipart_upload``/``upload_part``/``complete``) keeps
only the part sizes and the last few megabytes. Everything else (DynamoDB, the presigned link,
SES) is moto as usual, and the code under test is the real ``data_export.build``,
``media_store.read_chunks`` and ``media_store.MultipartWriter``.

The limits are enforced, not just observed: the kernel refuses to let any file of this process
grow past 512 MB (``RLIMIT_FSIZE``, Lambda's default ``/tmp``), temporary files go to a fresh
directory that is watched throughout and must stay under 512 MB in all, and the Python heap's
peak (``tracemalloc``) must stay under 256 MB.
"""

from __future__ import annotations

import io
import os
import resource
import tempfile
import threading
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import sent_mail, signup

PHOTOS = 500
PHOTO_BYTES = 25 * 1024 * 1024
CHUNK = 1024 * 1024
LIMIT = 512 * 1024 * 1024
HEAP_LIMIT = 256 * 1024 * 1024


class GeneratedBody:
    """A 25 MB original made on the fly: 24 copies of a shared random megabyte, then a last
    megabyte of its own (so each original's CRC-32 costs one megabyte to compute)."""

    def __init__(self, key: str, shared: bytes, shared_crc: int, crcs: dict[str, int]) -> None:
        self._key = key
        self._shared = shared
        self._shared_crc = shared_crc
        self._crcs = crcs

    def iter_chunks(self, chunk_size: int) -> Iterator[bytes]:
        assert chunk_size == CHUNK
        own = (self._key.encode() * (CHUNK // len(self._key) + 1))[:CHUNK]
        for _ in range(PHOTO_BYTES // CHUNK - 1):
            yield self._shared
        yield own
        self._crcs[self._key] = zlib.crc32(own, self._shared_crc)


class ScaleS3:
    """moto's S3 client, but for the originals' reads and the export's multipart upload."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._shared = os.urandom(CHUNK)
        self._shared_crc = zlib.crc32(self._shared * (PHOTO_BYTES // CHUNK - 1))
        self.crcs: dict[str, int] = {}  # original key -> CRC-32 of what was read
        self.part_sizes: list[int] = []
        self.last_parts: list[bytes] = []
        self.completed: list[dict[str, Any]] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get_object(self, *, Bucket: str, Key: str, **kw: Any) -> dict[str, Any]:
        if Key.startswith("originals/"):
            return {"Body": GeneratedBody(Key, self._shared, self._shared_crc, self.crcs)}
        return self._real.get_object(Bucket=Bucket, Key=Key, **kw)

    def create_multipart_upload(self, **kw: Any) -> dict[str, Any]:
        assert kw["Key"].startswith("exports/")
        return {"UploadId": "scale-test"}

    def upload_part(self, *, PartNumber: int, Body: bytes, **kw: Any) -> dict[str, Any]:
        assert PartNumber == len(self.part_sizes) + 1
        self.part_sizes.append(len(Body))
        self.last_parts = [*self.last_parts[-1:], Body]  # the zip's central directory is in here
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, *, MultipartUpload: dict[str, Any], **kw: Any) -> None:
        self.completed = MultipartUpload["Parts"]

    def abort_multipart_upload(self, **kw: Any) -> None:
        raise AssertionError("the export was aborted")


class TailOfZip(io.RawIOBase):
    """A seekable view of a zip of which only the last bytes were kept: enough for its central
    directory, which says every entry's size, CRC and offset."""

    def __init__(self, size: int, tail: bytes) -> None:
        self._size = size
        self._tail = tail
        self._start = size - len(tail)
        self._pos = 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = {0: offset, 1: self._pos + offset, 2: self._size + offset}[whence]
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        assert self._pos >= self._start, "read outside the kept tail"
        data = self._tail[self._pos - self._start : self._pos - self._start + len(buffer)]
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class DiskWatch:
    """Samples the size of every file under a directory until stopped; remembers the peak."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            used = sum(p.stat().st_size for p in self._root.rglob("*") if p.is_file())
            self.peak = max(self.peak, used)

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_an_export_of_500_originals_of_25_mb_streams_within_lambdas_limits(
    client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from chalicelib.adapters import media_store
    from chalicelib.adapters.aws import client as aws_client
    from chalicelib.adapters.tables import ImageRecord
    from chalicelib.domain.timefmt import utcnow
    from chalicelib.services import data_export

    ana = signup(client, "many@example.com")
    with ImageRecord.batch_write() as batch:
        for n in range(PHOTOS):
            batch.save(
                ImageRecord(
                    ana.user_id,
                    f"img_scale{n:04d}",
                    state="ready",
                    content_type="image/jpeg",
                    declared_bytes=PHOTO_BYTES,
                    created_at=utcnow(),
                )
            )
    s3 = ScaleS3(aws_client("s3"))
    monkeypatch.setattr(media_store, "client", lambda service: s3 if service == "s3" else None)
    scratch = tmp_path / "lambda-tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))
    tracemalloc.start()
    try:
        with DiskWatch(scratch) as disk:
            assert data_export.build(ana.user_id, "exp_scale")
        _, heap_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    print(  # shown with -s: the figures of the closing note
        f"export of {PHOTOS} x {PHOTO_BYTES >> 20} MB: {len(s3.part_sizes)} parts, "
        f"heap peak {heap_peak / 2**20:.1f} MB, temporary files peak {disk.peak} bytes"
    )
    assert disk.peak < LIMIT and not any(scratch.iterdir())
    assert heap_peak < HEAP_LIMIT, f"heap peak {heap_peak / 2**20:.0f} MB"
    # Every original was read whole, once, and went into the zip as one complete upload.
    assert len(s3.crcs) == PHOTOS
    assert s3.completed is not None and len(s3.completed) == len(s3.part_sizes)
    assert all(size >= 5 * 1024 * 1024 for size in s3.part_sizes[:-1])  # S3's minimum part
    assert len(s3.part_sizes) <= 10_000  # S3's most parts
    total = sum(s3.part_sizes)
    assert total > PHOTOS * PHOTO_BYTES
    archive = zipfile.ZipFile(TailOfZip(total, b"".join(s3.last_parts)))
    entries = {info.filename: info for info in archive.infolist()}
    assert "shareframe.json" in entries
    for n in range(PHOTOS):
        image_id = f"img_scale{n:04d}"
        info = entries[f"photos/{image_id}.jpg"]
        assert info.file_size == info.compress_size == PHOTO_BYTES
        assert s3.crcs[media_store.original_key(ana.user_id, image_id)] == info.CRC
        assert info.header_offset < total
    assert any("export" in m.subject for m in sent_mail())
