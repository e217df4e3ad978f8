"""The private media bucket: originals, thumbnails, previews and panel renditions.

Nothing in the bucket is public; browsers and frames get short-lived presigned URLs.
Keys always start with a kind and the owner's user id, so one prefix lists (and deletes)
everything of a user.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from chalicelib.adapters.aws import client
from chalicelib.config import settings


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


def write(key: str, data: bytes, *, content_type: str) -> None:
    client("s3").put_object(
        Bucket=settings().media_bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        CacheControl="private, max-age=31536000, immutable",
    )


def write_stream(key: str, stream: BinaryIO, *, content_type: str) -> None:
    """Upload a file object of any size (multipart above 8 MB)."""
    client("s3").upload_fileobj(
        stream, settings().media_bucket, key, ExtraArgs={"ContentType": content_type}
    )


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
