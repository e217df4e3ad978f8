"""Fetch one panel-ready file: bounded, resumable, verified, then renamed into place.

    download_file(url, final_path, partial_path, sha256="9f2c...", max_bytes=48213)

Raises :class:`DownloadError` whose ``reason`` is the event reason: ``sha256_mismatch``,
``too_large``, ``url_expired`` (HTTP 403: presigned URL too old), ``http_error``,
``network_error`` or ``storage_error``.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from shareframe_frame.desired_state import MAX_FILE_BYTES
from shareframe_frame.store import fsync_dir

CHUNK = 64 * 1024
_CONTENT_RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class _NoRedirectToOtherSchemes(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme not in ("http", "https"):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_NoRedirectToOtherSchemes())


def _hash_of(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest


def download_file(
    url: str,
    final_path: Path,
    partial_path: Path,
    *,
    sha256: str,
    max_bytes: int,
    timeout: float = 30.0,
) -> None:
    """Download ``url`` to ``final_path`` (resuming ``partial_path``) or raise DownloadError."""
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
    if have == limit and _hash_of(partial_path).hexdigest() == sha256:
        _finish(partial_path, final_path)  # complete before a restart: no need to fetch again
        return
    headers = {"User-Agent": "shareframe-frame", "Accept-Encoding": "identity"}
    if 0 < have < limit:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            partial_path.unlink(missing_ok=True)
            raise DownloadError("network_error", "range not satisfiable; restarting") from exc
        reason = "url_expired" if exc.code == 403 else "http_error"
        raise DownloadError(reason, f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise DownloadError("network_error", str(exc)) from exc

    with response:
        mode = "wb"
        if have and response.status == 206:
            match = _CONTENT_RANGE_RE.fullmatch(response.headers.get("Content-Range", "").strip())
            if match and int(match.group(1)) == have:
                mode = "ab"
        if mode == "wb":
            have = 0
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and have + int(declared) > limit:
            raise DownloadError("too_large", f"server announces {have + int(declared)} bytes")
        try:
            with partial_path.open(mode) as out:
                written = have
                while True:
                    try:
                        chunk = response.read(CHUNK)
                    except (http.client.HTTPException, OSError, ValueError) as exc:
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
            remaining = getattr(response, "length", None)
            if remaining:
                # The connection ended before Content-Length: keep the part, resume later.
                raise DownloadError("network_error", f"connection closed, {remaining} bytes short")
        except OSError as exc:
            raise DownloadError("storage_error", str(exc)) from exc

    actual = _hash_of(partial_path).hexdigest()
    if actual != sha256:
        with contextlib.suppress(OSError):
            partial_path.unlink()
        raise DownloadError("sha256_mismatch", f"got {actual}")
    _finish(partial_path, final_path)


def _finish(partial_path: Path, final_path: Path) -> None:
    try:
        partial_path.replace(final_path)
    except OSError as exc:
        raise DownloadError("storage_error", str(exc)) from exc
    fsync_dir(final_path.parent)
