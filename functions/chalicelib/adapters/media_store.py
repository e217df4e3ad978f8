"""The private media bucket: originals, thumbnails, previews and panel renditions.

Nothing in the bucket is public; browsers and frames get short-lived presigned URLs.
Keys always start with a kind and the owner's user id, so one prefix lists (and deletes)
everything of a user.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.auth
import botocore.exceptions
from botocore.config import Config

from chalicelib.adapters.aws import client, make_client
from chalicelib.config import settings

# Photos in the web app are signed per hour: every URL for one object made within the same
# hour is the same string, so the browser's cache serves it again instead of downloading it.
CACHE_WINDOW_SECONDS = 3600
_WINDOWED = "shareframe-windowed-s3v4-query"


def original_key(user_id: str, image_id: str) -> str:
    return f"originals/{user_id}/{image_id}"


def derived_prefix(user_id: str, image_id: str) -> str:
    return f"derived/{user_id}/{image_id}/"


def presigned_upload(
    key: str, *, content_type: str, max_bytes: int, expires_in: int
) -> dict[str, Any]:
    """A presigned POST that S3 enforces: exact key, exact content type, size 1..max_bytes."""
    post: dict[str, Any] = client("s3").generate_presigned_post(
        Bucket=settings().media_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, max_bytes],
        ],
        ExpiresIn=expires_in,
    )
    return post


def presigned_get(key: str, *, expires_in: int) -> str:
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": settings().media_bucket, "Key": key},
        ExpiresIn=expires_in,
    )
    return url


class _WindowedQueryAuth(botocore.auth.S3SigV4QueryAuth):  # type: ignore[misc]
    """SigV4 query signing dated at the start of the current window, valid to its end plus the
    asked lifetime: within one window the same object always gets the same URL."""

    def __init__(self, credentials: Any, service_name: str, region_name: str, expires: int):
        now = int(time.time())
        self._window_start = now - now % CACHE_WINDOW_SECONDS
        super().__init__(credentials, service_name, region_name, CACHE_WINDOW_SECONDS + expires)

    def add_auth(self, request: Any) -> None:
        if self.credentials is None:
            raise botocore.exceptions.NoCredentialsError()
        signed_at = datetime.fromtimestamp(self._window_start, UTC)
        request.context["timestamp"] = signed_at.strftime(botocore.auth.SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        signature = self.signature(self.string_to_sign(request, canonical), request)
        self._inject_signature_to_request(request, signature)


@cache
def _windowed_client() -> Any:
    botocore.auth.AUTH_TYPE_MAPS[_WINDOWED] = _WindowedQueryAuth  # a new name: no one else's
    s3 = make_client("s3", Config(signature_version="s3v4", connect_timeout=5, read_timeout=20))
    s3.meta.events.register("choose-signer.s3.GetObject", lambda **_: _WINDOWED)
    return s3


def presigned_get_cached(key: str, *, expires_in: int | None = None) -> str:
    """A GET URL for a photo the web app shows, the same for the whole hour it is made in.

    It stays valid at least ``expires_in`` seconds (the download link lifetime by default) and
    tells the browser to keep the file for the rest of that time: objects never change under
    one key (new pixels get a new key), so a cached copy is never stale.
    """
    lifetime = expires_in if expires_in is not None else settings().download_url_seconds
    url: str = _windowed_client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings().media_bucket,
            "Key": key,
            "ResponseCacheControl": f"private, max-age={lifetime}, immutable",
        },
        ExpiresIn=lifetime,
    )
    return url


def head(key: str) -> dict[str, Any] | None:
    s3 = client("s3")
    try:
        meta: dict[str, Any] = s3.head_object(Bucket=settings().media_bucket, Key=key)
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return meta


def read(key: str, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` (plus one, so the caller can tell it was too large)."""
    s3 = client("s3")
    try:
        body = s3.get_object(Bucket=settings().media_bucket, Key=key, Range=f"bytes=0-{max_bytes}")[
            "Body"
        ]
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] == "InvalidRange":  # an empty object has no byte 0
            return b""
        raise
    data: bytes = body.read()
    return data


def read_if_exists(key: str, *, max_bytes: int) -> bytes | None:
    """Like ``read``, or None when there is no such object (one request either way)."""
    s3 = client("s3")
    try:
        return read(key, max_bytes=max_bytes)
    except s3.exceptions.NoSuchKey:
        return None


def write(key: str, data: bytes, *, content_type: str) -> None:
    client("s3").put_object(
        Bucket=settings().media_bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        CacheControl="private, max-age=31536000, immutable",
    )


# S3 wants parts of at least 5 MiB (but the last); 8 MiB keeps memory small and requests few.
PART_BYTES = 8 * 1024 * 1024


class MultipartWriter(io.RawIOBase):
    """A write-only, unseekable stream into one S3 object through a multipart upload.

    Memory holds one part at a time; nothing touches the local disk. ``close()`` completes the
    upload; leaving the ``with`` block on an exception aborts it (and the bucket's lifecycle
    rule removes the parts of an upload that was neither, after a day).
    """

    def __init__(self, key: str, *, content_type: str) -> None:
        super().__init__()
        self._s3 = client("s3")
        self._key = key
        # The next part, as the pieces written (joined once when the part is full: appending to
        # one growing buffer would copy each byte several times, 12.5 GB for a large export).
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._parts: list[dict[str, Any]] = []
        self._aborted = True  # until the upload exists: closing must not complete anything
        self._upload_id: str = self._s3.create_multipart_upload(
            Bucket=settings().media_bucket, Key=key, ContentType=content_type
        )["UploadId"]
        self._aborted = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        data = bytes(data)  # no copy for bytes; a copy of a buffer the caller may reuse
        taken = 0
        while taken < len(data):
            room = PART_BYTES - self._pending_bytes
            piece = data if taken == 0 and len(data) <= room else data[taken : taken + room]
            self._pending.append(piece)
            self._pending_bytes += len(piece)
            taken += len(piece)
            if self._pending_bytes == PART_BYTES:
                self._flush()
        return len(data)

    def _flush(self) -> None:
        self._upload(b"".join(self._pending))
        self._pending.clear()
        self._pending_bytes = 0

    def _upload(self, body: bytes) -> None:
        number = len(self._parts) + 1
        etag = self._s3.upload_part(
            Bucket=settings().media_bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )["ETag"]
        self._parts.append({"ETag": etag, "PartNumber": number})

    def abort(self) -> None:
        self._aborted = True
        self._s3.abort_multipart_upload(
            Bucket=settings().media_bucket, Key=self._key, UploadId=self._upload_id
        )
        super().close()

    def close(self) -> None:
        if self.closed or self._aborted:
            return
        if self._pending or not self._parts:
            self._flush()
        self._s3.complete_multipart_upload(
            Bucket=settings().media_bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        super().close()

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self.abort()
        else:
            self.close()


def read_chunks(key: str, *, chunk_bytes: int = 1024 * 1024) -> Iterator[bytes]:
    """An object's bytes, a chunk at a time (never the whole object in memory)."""
    body = client("s3").get_object(Bucket=settings().media_bucket, Key=key)["Body"]
    yield from body.iter_chunks(chunk_bytes)


def delete_prefix(prefix: str) -> int:
    """Delete every object under ``prefix`` (work proportional to that prefix only)."""
    s3 = client("s3")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=settings().media_bucket, Prefix=prefix
    ):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=settings().media_bucket, Delete={"Objects": keys})
            deleted += len(keys)
    return deleted


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=settings().media_bucket, Key=key)
