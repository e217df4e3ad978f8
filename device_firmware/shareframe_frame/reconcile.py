"""Make the files on disk match the desired state (protocol.md §3), idempotently.

:class:`Reconciler` runs on its own worker thread (see :class:`ReconcileWorker`): the display
never waits for the network. It applies each desired-state message whose version is newer
than the applied one, downloads missing files, reports ``delivered``/``error``/``resync``
events, deletes files nobody lists any more, and wipes everything when the frame is unpaired.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shareframe_frame.desired_state import (
    DesiredState,
    InvalidDesiredState,
    Item,
    parse_desired_state,
)
from shareframe_frame.download import DownloadError, download_file
from shareframe_frame.events import make_event
from shareframe_frame.painting import PaintError, UnusableImage, check_image
from shareframe_frame.store import Store

log = logging.getLogger(__name__)

RESYNC_MIN_INTERVAL = timedelta(minutes=1)
DISK_RESERVE_BYTES = 64 * 1024 * 1024  # never fill the SD card: the OS needs room too
PERMANENT_FAILURES = frozenset({"sha256_mismatch", "too_large", "unusable_image"})

Downloader = Callable[..., None]
ImageCheck = Callable[[Path], None]  # raises UnusableImage (painting.Painter.check)


@dataclass(frozen=True)
class SyncResult:
    complete: bool  # every live item is on disk or has failed for good
    changed: bool  # files appeared or disappeared


def live_items(state: DesiredState, now: datetime) -> list[Item]:
    return [i for i in state.items if i.expires_at is None or i.expires_at > now]


class Reconciler:
    def __init__(
        self,
        store: Store,
        frame_id: str,
        *,
        emit: Callable[[dict[str, Any]], None],
        clock: Callable[[], datetime],
        on_change: Callable[[], None] = lambda: None,
        on_unpaired: Callable[[], None] = lambda: None,
        is_connected: Callable[[], bool] = lambda: True,
        download: Downloader = download_file,
        check: ImageCheck = check_image,
    ) -> None:
        self._store = store
        self._frame_id = frame_id
        self._emit = emit
        self._clock = clock
        self._on_change = on_change
        self._on_unpaired = on_unpaired
        self._is_connected = is_connected
        self._download = download
        self._check = check
        self._lock = threading.RLock()
        self._failed: set[tuple[str, str]] = set()
        self._last_resync: datetime | None = None
        self._current = self._load_applied()

    def _load_applied(self) -> DesiredState | None:
        raw = self._store.load_desired()
        if raw is None:
            return None
        try:
            return parse_desired_state(raw, self._frame_id)
        except InvalidDesiredState as exc:
            log.error(
                "stored desired state is unusable; waiting for a new one", extra={"error": str(exc)}
            )
            return None

    @property
    def current(self) -> DesiredState | None:
        """The applied state. Lock-free on purpose: the display thread must never wait for a
        download that holds the reconcile lock."""
        return self._current

    def handle_message(self, payload: bytes) -> bool:
        """Apply one desired-state message. True if it was applied (newer and valid)."""
        with self._lock:
            try:
                state = parse_desired_state(payload, self._frame_id)
            except InvalidDesiredState as exc:
                log.warning("ignoring invalid desired state", extra={"error": str(exc)})
                return False
            applied = self._current.version if self._current else -1
            if state.version <= applied:
                log.info(
                    "ignoring old desired state",
                    extra={"version": state.version, "applied": applied},
                )
                return False
            if not state.paired:
                log.warning(
                    "frame was unpaired by the cloud: wiping", extra={"version": state.version}
                )
                self._store.wipe()
                self._current = None
                self._on_unpaired()
                return True
            try:
                self._store.save_desired(payload)
            except OSError as exc:
                log.error("cannot persist desired state", extra={"error": str(exc)})
                return False
            self._current = state
            self._failed = {
                f
                for f in self._failed
                if any((i.share_id, i.file.sha256) == f for i in state.items)
            }
            log.info(
                "desired state applied",
                extra={"version": state.version, "items": len(state.items)},
            )
        self._on_change()
        return True

    def apply(self, payload: bytes) -> SyncResult:
        """Handle one message, then bring the files in line (what the worker does)."""
        self.handle_message(payload)
        return self.sync_files()

    def sync_files(self) -> SyncResult:
        """Download what is missing and delete what is no longer listed or has expired."""
        with self._lock:
            state = self._current
            if state is None:
                return SyncResult(True, False)
            now = self._clock()
            live = live_items(state, now)
            keep = {i.file.sha256 for i in live}
            changed = False
            try:
                removed = self._store.delete_files_except(keep)
            except OSError as exc:
                log.error("cannot delete old files", extra={"error": str(exc)})
                removed = []
            if removed:
                log.info("deleted files", extra={"files": removed})
                changed = True
            listed = {i.share_id for i in state.items}
            for kind in ("delivered", "displayed"):
                try:
                    self._store.forget_reported_except(kind, listed)
                except OSError as exc:
                    log.error("cannot update receipts", extra={"error": str(exc)})
            complete = True
            needs_resync = False
            for item in live:
                outcome = self._ensure_file(item, now)
                if outcome == "downloaded":
                    changed = True
                elif outcome == "expired":
                    needs_resync = True
                    complete = False
                elif outcome == "retry":
                    complete = False
                if outcome in ("present", "downloaded"):
                    self._report_delivered(item, now)
            if needs_resync:
                self._maybe_resync(now)
        if changed:
            self._on_change()
        return SyncResult(complete, changed)

    def _ensure_file(self, item: Item, now: datetime) -> str:
        sha = item.file.sha256
        if self._store.has_file(sha):
            return "present"
        if (item.share_id, sha) in self._failed:
            return "failed"
        if item.file.url_expires_at is not None and item.file.url_expires_at <= now:
            return "expired"
        if self._store.free_bytes() < item.file.bytes + DISK_RESERVE_BYTES:
            log.warning("not enough free space to download", extra={"shareId": item.share_id})
            return "retry"
        final = self._store.file_path(sha)
        try:
            self._download(
                item.file.url,
                final,
                self._store.partial_path(sha),
                sha256=sha,
                max_bytes=item.file.bytes,
                accept=self._check_downloaded,
            )
        except DownloadError as exc:
            log.warning(
                "download failed",
                extra={"shareId": item.share_id, "reason": exc.reason, "error": exc.detail},
            )
            if exc.reason == "url_expired":
                return "expired"
            if exc.reason in PERMANENT_FAILURES:
                self._failed.add((item.share_id, sha))
                self._emit(make_event("error", now, shareId=item.share_id, reason=exc.reason))
                return "failed"
            return "retry"
        log.info("file downloaded", extra={"shareId": item.share_id, "sha256": sha})
        return "downloaded"

    def _check_downloaded(self, path: Path) -> None:
        """Drop a file that is not an image of a sane size: it would never display. A check
        that could not run (the checker crashed, or the frame is stopping) keeps the file: the
        next attempt checks it again without fetching it."""
        try:
            self._check(path)
        except UnusableImage as exc:
            path.unlink(missing_ok=True)
            raise DownloadError("unusable_image", str(exc)) from exc
        except PaintError as exc:
            raise DownloadError("storage_error", f"cannot check the image: {exc}") from exc

    def _report_delivered(self, item: Item, now: datetime) -> None:
        try:
            if item.share_id in self._store.reported("delivered"):
                return
            self._emit(make_event("delivered", now, shareId=item.share_id))
            self._store.mark_reported("delivered", item.share_id)
        except OSError as exc:
            log.error("cannot record delivery", extra={"error": str(exc)})

    def _maybe_resync(self, now: datetime) -> None:
        if not self._is_connected():
            return  # the retained state on reconnect will tell; ask only when we can
        if self._last_resync is not None and now - self._last_resync < RESYNC_MIN_INTERVAL:
            return
        self._last_resync = now
        log.info("asking for fresh URLs")
        self._emit(make_event("resync", now, reason="urls_expired"))


class ReconcileWorker:
    """Runs the reconciler on its own thread: messages in a queue, and a periodic re-check
    (retries, expiry) every ``tick_seconds``."""

    def __init__(
        self,
        reconciler: Reconciler,
        tick_seconds: float = 60.0,
        after_sync: Callable[[], None] = lambda: None,
    ) -> None:
        self._reconciler = reconciler
        self._after_sync = after_sync
        self._tick = tick_seconds
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._thread = threading.Thread(target=self._run, name="reconcile", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, payload: bytes) -> None:
        """Called on the MQTT thread: never blocks; the newest message wins if the queue is full."""
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                self._queue.get_nowait()
            try:
                self._queue.put_nowait(payload)
            except queue.Full:
                log.warning("dropping desired-state message: queue full")

    def kick(self) -> None:
        """Re-check the files soon (e.g. after a reconnect)."""
        self.submit(b"")

    def stop(self, timeout: float = 2.0) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        retry = 5.0
        wait = 0.0
        while True:
            try:
                payload = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                payload = b""
            if payload is None:
                return
            try:
                if payload:
                    self._reconciler.handle_message(payload)
                result = self._reconciler.sync_files()
                self._after_sync()
            except Exception:
                log.exception("reconcile failed")
                result = SyncResult(False, False)
            if result.complete:
                retry, wait = 5.0, self._tick
            else:
                wait, retry = retry, min(retry * 2, 300.0)
