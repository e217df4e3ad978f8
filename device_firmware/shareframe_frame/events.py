"""Events (protocol.md §5) and the retained status (§4), sent through an on-disk outbox.

Every event is written to the outbox first and removed only after the broker's PUBACK, so an
event survives being offline and restarts; the sender thread publishes the outbox oldest
first whenever the transport is connected. Status is "latest wins": it is not queued, it is
republished on every (re)connect and whenever it changes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shareframe_frame import frame_protocol
from shareframe_frame.connection import Transport, topics_for
from shareframe_frame.store import Store

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
# protocol.md §4: status at least every 30 minutes (a frame silent for an hour is offline).
HEARTBEAT_SECONDS = 25 * 60.0


def rfc3339(moment: datetime) -> str:
    """``2026-11-25T12:00:00Z``: UTC, whole seconds, ``Z`` suffix."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_event(kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "eventId": str(uuid.uuid4()), **fields, "at": rfc3339(at)}


def encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class EventSender:
    """Owns all publishing: queued events (QoS 1) and the retained status."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        frame_id: str,
        status: Callable[[], dict[str, Any]],
    ) -> None:
        self._store = store
        self._transport = transport
        self._topics = topics_for(frame_id)
        self._status = status
        self._wake = threading.Condition()
        self._status_dirty = True
        self._last_status: dict[str, Any] | None = None
        self._stopping = False
        self._pending = True
        self._status_sent_at = -HEARTBEAT_SECONDS  # "long ago"
        self._thread = threading.Thread(target=self._run, name="event-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def emit(self, event: dict[str, Any]) -> None:
        """Queue one event durably; it is sent when connected. Never blocks on the network.

        An event the protocol's schema refuses is a bug here: it is logged and dropped, never
        queued (the backend would drop it anyway, and it would sit first in the outbox)."""
        try:
            frame_protocol.check_event(event)
        except frame_protocol.ProtocolError as exc:
            log.error("refusing to send an invalid event", extra={"error": str(exc)})
            return
        try:
            self._store.append_outbox(event)
        except OSError as exc:
            log.error("cannot queue event", extra={"event": event.get("type"), "error": str(exc)})
            return
        log.info("event queued", extra={"event": event.get("type"), "eventId": event["eventId"]})
        self.kick()

    def status_changed(self) -> None:
        """Republish the status (call after connect, and when showing/stateVersion change)."""
        with self._wake:
            self._status_dirty = True
            self._pending = True
            self._wake.notify_all()

    def kick(self) -> None:
        with self._wake:
            self._pending = True
            self._wake.notify_all()

    def stop(self, timeout: float = 2.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def publish_offline(self, timeout: float = 1.5) -> None:
        """Say goodbye: the full status with online false, retained (a clean stop sends no will)."""
        if not self._transport.connected:
            return
        status = dict(self._status())
        status["online"] = False
        self._transport.publish(self._topics.status, encode(status), 1, True, timeout)

    def flush_once(self) -> bool:
        """Publish a changed status and the whole outbox; True if everything went out."""
        if not self._transport.connected:
            return False
        with self._wake:
            heartbeat_due = time.monotonic() - self._status_sent_at >= HEARTBEAT_SECONDS
            dirty = self._status_dirty or heartbeat_due
            self._status_dirty = False
        if dirty:
            status = self._status()
            if not self._transport.publish(self._topics.status, encode(status), 1, True):
                with self._wake:
                    self._status_dirty = True
                return False
            self._status_sent_at = time.monotonic()
        for entry in self._store.outbox():
            if self._stopping or not self._transport.connected:
                return False
            if not self._transport.publish(self._topics.events, encode(entry.event), 1, False):
                return False
            self._store.remove_outbox(entry)
            log.info(
                "event sent",
                extra={"event": entry.event.get("type"), "eventId": entry.event.get("eventId")},
            )
        return True

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                self._pending = False
            try:
                ok = self.flush_once()
            except Exception:
                log.exception("event sender failed")
                ok = False
            with self._wake:
                # Sleep until new work (or a retry is due); never miss a kick during a flush.
                heartbeat_in = HEARTBEAT_SECONDS - (time.monotonic() - self._status_sent_at)
                self._wake.wait_for(
                    lambda: self._pending or self._stopping,
                    RETRY_SECONDS if not ok else max(1.0, min(heartbeat_in, 600.0)),
                )
