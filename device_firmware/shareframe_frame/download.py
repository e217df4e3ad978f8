"""Fetch one panel-ready file: bounded, resumable, verified, then renamed into place.

    download_file(url, final_path, partial_path, sha256="9f2c...", max_bytes=48213)

Raises :class:`DownloadError` whose ``reason`` is the event reason: ``sha256_mismatch``,
``too_large``, ``url_expired`` (HTTP 403: presigned URL too old), ``http_error``,
``network_error`` or ``storage_error``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from shareframe_frame.checksum import file_sha256_hex
from shareframe_frame.desired_state import MAX_FILE_BYTES
from shareframe_frame.http_client import HttpError, open_url
from shareframe_frame.store import fsync_dir

_CONTENT_RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def download_file(
    url: str,
    final_path: Path,
    partial_path: Path,
    *,
    sha256: str,
    max_bytes: int,
    timeout: float = 30.0,
    ca_file: str | None = None,
    accept: Callable[[Path], None] | None = None,
) -> None:
    """Download ``url`` to ``final_path`` (resuming ``partial_path``) or raise DownloadError.

    ``accept`` looks at the complete, hash-checked file before it takes its final name (and
    raises DownloadError to refuse it), so ``final_path`` only ever holds accepted files.
    ``ca_file`` replaces the system's trust store for https (tests with their own CA)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError("http_error", "only http(s) URLs are fetched")
    limit = min(max_bytes, MAX_FILE_BYTES)
    try:
        have = partial_path.stat().st_size if partial_path.exists() else 0
    except OSError:
        have = 0
    if have > limit:
        partial_path.unlink(missing_ok=True)
        have = 0
    if have == limit and file_sha256_hex(partial_path) == sha256:
        # complete before a restart (or refused by a check that could not run): no fetching
        _finish(partial_path, final_path, accept)
        return
    headers = {"User-Agent": "shareframe-frame", "Accept-Encoding": "identity"}
    if 0 < have < limit:
        headers["Range"] = f"bytes={have}-"
    try:
        response = open_url(url, headers=headers, timeout=timeout, ca_file=ca_file)
    except HttpError as exc:
        raise DownloadError("network_error", str(exc)) from exc

    with response:
        if response.status == 416 and have:
            partial_path.unlink(missing_ok=True)
            raise DownloadError("network_error", "range not satisfiable; restarting")
        if response.status == 403:
            raise DownloadError("url_expired", "HTTP 403")
        if response.status not in (200, 206):
            raise DownloadError("http_error", f"HTTP {response.status}")
        mode = "wb"
        if have and response.status == 206:
            match = _CONTENT_RANGE_RE.fullmatch(response.headers.get("content-range", "").strip())
            if match and int(match.group(1)) == have:
                mode = "ab"
        if mode == "wb":
            have = 0
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and have + int(declared) > limit:
            raise DownloadError("too_large", f"server announces {have + int(declared)} bytes")
        try:
            with partial_path.open(mode) as out:
                written = have
                while True:
                    try:
                        chunk = response.read()
                    except HttpError as exc:
                        # keep the partial file: the next attempt resumes with a Range request
                        raise DownloadError("network_error", str(exc)) from exc
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > limit:
                        out.close()
                        partial_path.unlink(missing_ok=True)
                        raise DownloadError("too_large", f"more than {limit} bytes")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise DownloadError("storage_error", str(exc)) from exc

    actual = file_sha256_hex(partial_path)
    if actual != sha256:
        with contextlib.suppress(OSError):
            partial_path.unlink()
        raise DownloadError("sha256_mismatch", f"got {actual}")
    _finish(partial_path, final_path, accept)


def _finish(partial_path: Path, final_path: Path, accept: Callable[[Path], None] | None) -> None:
    if accept is not None:
        accept(partial_path)
    try:
        partial_path.replace(final_path)
    except OSError as exc:
        raise DownloadError("storage_error", str(exc)) from exc
    fsync_dir(final_path.parent)
