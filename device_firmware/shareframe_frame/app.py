"""The frame's main loop: pairing mode until paired, then connect, reconcile and show photos.

Threads: the main loop here owns the display (it never waits for the network); the reconcile
worker downloads; the event sender publishes; the CRT runs MQTT; the dashboard serves HTTP.
They meet through the store (on disk) and a few events.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shareframe_frame.config import FrameConfig
from shareframe_frame.connection import (
    ConnectionHandler,
    MessageHandler,
    MqttTransport,
    Transport,
    topics_for,
)
from shareframe_frame.dashboard import Dashboard, LogBuffer
from shareframe_frame.desired_state import DesiredState, Settings
from shareframe_frame.events import EventSender, make_event, rfc3339
from shareframe_frame.firmware import (
    RESTART_EXIT_CODE,
    FirmwareUpdater,
    confirm_if_pending,
    install_launcher,
    is_pending,
    load_public_key,
    past_deadline,
    rollback,
)
from shareframe_frame.log_format import LogContext
from shareframe_frame.painting import (
    ChildPainter,
    InProcessPainter,
    Painter,
    Screen,
    UnusableImage,
)
from shareframe_frame.pairing import Pairing, PairingSession
from shareframe_frame.reconcile import Reconciler, ReconcileWorker
from shareframe_frame.slideshow import (
    BLANK,
    EMPTY,
    Slide,
    SlideshowState,
    in_quiet_hours,
    plan,
    record_shown,
)
from shareframe_frame.store import Credentials, Store

if TYPE_CHECKING:
    from shareframe_frame.display import Display

log = logging.getLogger(__name__)

REJECTED_WIPE_AFTER = timedelta(hours=24)
REJECTION_GAP = timedelta(hours=1)
FIRMWARE_CHECK_EVERY = timedelta(hours=6)
TransportFactory = Callable[[Credentials, MessageHandler, ConnectionHandler], Transport]
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FrameApp:
    def __init__(
        self,
        config: FrameConfig,
        *,
        display: Display | None = None,
        transport_factory: TransportFactory | None = None,
        clock: Clock = _utc_now,
        log_buffer: LogBuffer | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.stop = stop or threading.Event()
        self.store = Store(config.state_dir)
        # Drawing happens in a child process (painting.py: no Pillow in the frame at rest),
        # or in this one on a display a test passes in.
        self.painter: Painter = (
            InProcessPainter(display)
            if display is not None
            else ChildPainter(
                config.display, config.panel.panel_id, config.state_dir, config.log_level
            )
        )
        self._transport_factory = transport_factory or self._mqtt_transport
        self._clock = clock
        self._log_buffer = log_buffer or LogBuffer()
        self._wake = threading.Event()
        self._unpaired = threading.Event()
        self._lock = threading.Lock()
        self._frame_id: str | None = None
        self._connected = False
        self._offline_since: datetime | None = None
        self._showing: str | None = None
        self._reconciler: Reconciler | None = None
        self._transport: Transport | None = None
        self._sender: EventSender | None = None
        self._first_showing_since: datetime | None = None
        self._firmware_settled = False
        self._desired_received = threading.Event()  # this process got a desired state over MQTT
        self.exit_code = 0
        self.dashboard: Dashboard | None = None

    # -- wiring ---------------------------------------------------------------------------
    def _mqtt_transport(
        self, creds: Credentials, on_message: MessageHandler, on_conn: ConnectionHandler
    ) -> Transport:
        return MqttTransport(
            creds,
            keep_alive_seconds=self.config.mqtt_keepalive_seconds,
            on_message=on_message,
            on_connection_change=on_conn,
        )

    def request_stop(self) -> None:
        self.stop.set()
        self._wake.set()

    # -- top level ------------------------------------------------------------------------
    def run(self) -> int:
        """Run until stopped: 0 after a clean stop, 1 after an unexpected error."""
        self._start_dashboard()
        code = 0
        try:
            while not self.stop.is_set():
                creds = self.store.load_credentials()
                if creds is None:
                    self._pairing_mode()
                    continue
                if not self._paired_mode(creds):
                    break
        except Exception:
            log.exception("frame crashed")
            code = 1
        finally:
            if self.dashboard is not None:
                self.dashboard.stop()
            try:
                self.painter.close()
            except Exception:
                log.exception("display close failed")
        log.info("frame stopped")
        return code or self.exit_code

    def _start_dashboard(self) -> None:
        try:
            self.dashboard = Dashboard(
                self.config.dashboard_host,
                self.config.dashboard_port,
                self.config.state_dir,
                self.status_for_dashboard,
                self._log_buffer,
                self.request_update,
            )
            self.dashboard.start()
        except OSError as exc:
            log.error("dashboard not started", extra={"error": str(exc)})
            self.dashboard = None

    # -- pairing --------------------------------------------------------------------------
    def _pairing_mode(self) -> None:
        LogContext.frame_id = None
        with self._lock:
            self._frame_id = None
        self.store.save_slideshow({})
        log.info("not paired: pairing mode")
        Pairing(
            self.config.api_url,
            self.store,
            panel=self.config.panel.panel_id,
            firmware=self.config.firmware_version,
            show_code=self._show_pairing,
            stop=self.stop,
        ).run()

    def _show_pairing(self, session: PairingSession) -> None:
        screen = Screen(kind="pairing", pairing_code=session.code, claim_url=session.claim_url)
        try:
            self.painter.paint(screen)
        except Exception:  # the code is in the log too: pairing goes on
            log.exception("display failed")

    # -- paired ---------------------------------------------------------------------------
    def _paired_mode(self, creds: Credentials) -> bool:
        """Run until stopped (False) or unpaired (True: go back to pairing)."""
        LogContext.frame_id = creds.frame_id
        with self._lock:
            self._frame_id = creds.frame_id
        self._unpaired.clear()
        desired_topic = topics_for(creds.frame_id).desired
        worker_box: list[ReconcileWorker] = []
        sender_box: list[EventSender] = []

        def on_message(topic: str, payload: bytes) -> None:
            if topic == desired_topic and worker_box:
                worker_box[0].submit(payload)
                if not self._desired_received.is_set():
                    self._desired_received.set()
                    self._wake.set()  # a pending release may confirm now

        def on_connection(connected: bool, rejected: bool) -> None:
            self._connection_changed(connected, rejected)
            if connected and sender_box:
                sender_box[0].status_changed()
            if connected and worker_box:
                worker_box[0].kick()  # re-check expired URLs now that a resync can be sent

        transport = self._transport_factory(creds, on_message, on_connection)
        self._transport = transport
        sender = EventSender(self.store, transport, creds.frame_id, self.status)
        self._sender = sender
        reconciler = Reconciler(
            self.store,
            creds.frame_id,
            emit=sender.emit,
            clock=self._clock,
            on_change=self._wake.set,
            on_unpaired=self._on_unpaired,
            is_connected=lambda: transport.connected,
            check=self.painter.check,
        )
        self._reconciler = reconciler
        updater = self._firmware_updater(sender)
        told: set[str] = set()

        def after_sync() -> None:
            current = reconciler.current
            if current is None or current.firmware is None:
                return
            if updater is not None:
                updater.consider(current.firmware)
            elif (
                current.firmware.install
                and current.firmware.version != self._running
                and current.firmware.version not in told
            ):
                told.add(current.firmware.version)
                log.info(
                    "firmware update offered but updates are not configured",
                    extra={"version": current.firmware.version},
                )

        worker = ReconcileWorker(reconciler, after_sync=after_sync)
        worker_box.append(worker)
        sender_box.append(sender)
        sender.start()
        worker.start()
        with self._lock:
            self._offline_since = self._offline_since or self._clock()
        try:
            transport.start()
        except Exception:
            log.exception("cannot start MQTT client; showing what we have")
        try:
            self._slideshow_loop(sender)
        finally:
            sender.stop(timeout=1.0)
            if not self._unpaired.is_set():
                sender.publish_offline(timeout=1.5)
            worker.stop(timeout=1.0)
            transport.stop(timeout=1.5)
            self._transport = None
            self._reconciler = None
            self._sender = None
        if self._unpaired.is_set():
            self.store.wipe()
            return True
        return False

    def _on_unpaired(self) -> None:
        self._unpaired.set()
        self._wake.set()

    def _connection_changed(self, connected: bool, rejected: bool) -> None:
        now = self._clock()
        with self._lock:
            self._connected = connected
            if connected:
                self._offline_since = None
            elif self._offline_since is None:
                self._offline_since = now
        try:
            if connected:
                self.store.save_marker("rejected_since", None)
                self.store.save_marker("rejected_last", None)
            elif rejected:
                self._note_rejection(now)
        except OSError as exc:
            log.error("cannot record connection state", extra={"error": str(exc)})
        self._wake.set()

    def _note_rejection(self, now: datetime) -> None:
        """Track an unbroken run of refusals; a gap (frame off, broker down) starts it anew."""
        since = self.store.load_marker("rejected_since")
        last = self.store.load_marker("rejected_last")
        if since is None or last is None or now.timestamp() - last > REJECTION_GAP.total_seconds():
            self.store.save_marker("rejected_since", now.timestamp())
        self.store.save_marker("rejected_last", now.timestamp())

    def _certificate_rejected_too_long(self) -> bool:
        since = self.store.load_marker("rejected_since")
        last = self.store.load_marker("rejected_last")
        if since is None or last is None:
            return False
        return last - since > REJECTED_WIPE_AFTER.total_seconds()

    def _slideshow_loop(self, sender: EventSender) -> None:
        state = SlideshowState.from_json(self.store.load_slideshow())
        rng = random.Random()  # noqa: S311 - shuffling photos, not cryptography
        min_refresh = timedelta(seconds=self.config.min_refresh_seconds)
        last_status: tuple[str | None, int | None] | None = None
        while not self.stop.is_set() and not self._unpaired.is_set():
            self._wake.clear()
            if self._certificate_rejected_too_long():
                log.error("certificate rejected for 24 hours: back to pairing")
                self._unpaired.set()
                break
            current = self._reconciler.current if self._reconciler else None
            self._maybe_check_firmware(sender)
            self._check_pending_firmware(sender, current)
            try:
                state, wake_at = self._slideshow_step(state, current, sender, rng, min_refresh)
            except Exception:
                # Never let one bad photo or a display hiccup end the slideshow.
                log.exception("slideshow step failed")
                wake_at = self._clock() + timedelta(seconds=10)
            with self._lock:
                self._showing = state.showing or None
            status_key = (self._showing, current.version if current else None)
            if status_key != last_status:
                last_status = status_key
                sender.status_changed()
            timeout = (wake_at - self._clock()).total_seconds()
            self._wake.wait(min(max(timeout, 0.05), 300.0))

    @property
    def _running(self) -> str:
        return self.config.firmware_version

    def _firmware_updater(self, sender: EventSender) -> FirmwareUpdater | None:
        root, key = self.config.firmware_root, self.config.firmware_public_key
        if root is None or key is None:
            return None
        if not is_pending(self.store, self._running):  # an unconfirmed release waits
            try:
                install_launcher(root)
            except OSError as exc:
                log.error("cannot install the launcher", extra={"error": str(exc)})
        return FirmwareUpdater(
            root,
            load_public_key(key),
            running_version=self._running,
            store=self.store,
            emit=sender.emit,
            now_text=lambda: rfc3339(self._clock()),
            may_install_now=self._may_install_now,
            request_restart=self._restart_for_update,
            confirm_within=self.config.firmware_confirm_seconds,
        )

    def _may_install_now(self) -> bool:
        """Not in quiet hours, and not while a new photo is on the panel for the first time."""
        current = self._reconciler.current if self._reconciler else None
        settings = current.settings if current else Settings()
        now = self._clock()
        if in_quiet_hours(settings.quiet_hours, settings.time_zone, now):
            return False
        with self._lock:
            first_since = self._first_showing_since
        return (
            first_since is None or (now - first_since).total_seconds() >= settings.interval_seconds
        )

    def _restart_for_update(self) -> None:
        self.exit_code = RESTART_EXIT_CODE
        self.request_stop()

    def _check_pending_firmware(self, sender: EventSender, current: DesiredState | None) -> None:
        """Confirm a just-installed release once connected and reconciled, or roll it back."""
        if self._firmware_settled:
            return
        transport = self._transport
        at = rfc3339(self._clock())
        # Healthy = connected and received (not just loaded from disk) a desired state.
        received = self._desired_received.is_set()
        if transport is not None and transport.connected and current is not None and received:
            confirm_if_pending(
                self.store, self.config.firmware_root, self._running, sender.emit, at
            )
            self._firmware_settled = True
        elif self.config.firmware_root is not None and past_deadline(self.store, self._running):
            log.error("new firmware did not connect and reconcile in time: rolling back")
            if rollback(self.config.firmware_root, self.store.root, "not_confirmed", at):
                self._restart_for_update()
            self._firmware_settled = True

    def _maybe_check_firmware(self, sender: EventSender) -> None:
        """Ask for the current release every 6 hours (only when connected: never queue these)."""
        transport = self._transport
        if transport is None or not transport.connected:
            return
        now = self._clock()
        last = self.store.load_marker("firmware_checked")
        if last is not None and now.timestamp() - last < FIRMWARE_CHECK_EVERY.total_seconds():
            return
        try:
            self.store.save_marker("firmware_checked", now.timestamp())
        except OSError as exc:
            log.error("cannot record firmware check", extra={"error": str(exc)})
            return
        sender.emit(make_event("firmware_check", now))

    def request_update(self) -> bool:
        """The owner pressed "update" on the dashboard (protocol.md §6)."""
        sender = self._sender
        if sender is None:
            return False
        sender.emit(make_event("update_requested", self._clock()))
        return True

    def _slideshow_step(
        self,
        state: SlideshowState,
        current: DesiredState | None,
        sender: EventSender,
        rng: random.Random,
        min_refresh: timedelta,
    ) -> tuple[SlideshowState, datetime]:
        """Refresh the panel if the slideshow says so; return the new state and the next wake."""
        now = self._clock()
        settings = current.settings if current else Settings()
        slides = self._slides(current)
        decision = plan(
            state,
            slides,
            settings,
            now,
            min_refresh=min_refresh,
            rng=rng,
            show_next=current.show_next if current else None,
        )
        new_state = decision.state
        if decision.show is not None and self._show(decision.show, slides, settings, sender):
            new_state = record_shown(new_state, decision.show, now)
        if new_state != state:
            try:
                self.store.save_slideshow(new_state.to_json())
            except OSError as exc:
                log.error("cannot save slideshow state", extra={"error": str(exc)})
        return new_state, decision.wake_at

    def _slides(self, current: DesiredState | None) -> list[Slide]:
        if current is None:
            return []
        return [
            Slide(i.share_id, i.sent_at, i.expires_at, i.file.sha256, i.sender_name)
            for i in current.items
            if self.store.has_file(i.file.sha256)
        ]

    def _show(
        self, choice: str, slides: list[Slide], settings: Settings, sender: EventSender
    ) -> bool:
        if choice in (EMPTY, BLANK):
            kind = "empty" if choice == EMPTY else "quiet"
            try:
                self.painter.paint(Screen(kind=kind))
            except Exception:
                log.exception("display failed")
                return False
            log.info("showing our own screen", extra={"screen": kind})
            return True
        slide = next((s for s in slides if s.share_id == choice), None)
        if slide is None:
            return False
        path = self.store.file_path(slide.sha256)
        offline_since = None
        if settings.show_status:
            with self._lock:
                offline_since = self._offline_since if not self._connected else None
        screen = Screen(
            kind="photo",
            photo=str(path),
            share_id=choice,
            sha256=slide.sha256,
            offline_since=offline_since.isoformat() if offline_since else None,
        )
        try:
            self.painter.paint(screen)
        except UnusableImage as exc:
            log.error(
                "cannot show photo; dropping the file", extra={"shareId": choice, "error": str(exc)}
            )
            path.unlink(missing_ok=True)
            return False
        except Exception:
            log.exception("display failed", extra={"shareId": choice})
            return False
        log.info("showing photo", extra={"shareId": choice})
        try:
            first = choice not in self.store.reported("displayed")
            with self._lock:
                self._first_showing_since = self._clock() if first else None
            if first:
                sender.emit(make_event("displayed", self._clock(), shareId=choice))
                self.store.mark_reported("displayed", choice)
        except OSError as exc:
            log.error("cannot record display receipt", extra={"error": str(exc)})
        return True

    # -- status ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """The retained status message (protocol.md §4)."""
        current = self._reconciler.current if self._reconciler else None
        with self._lock:
            showing = self._showing
        return {
            "online": True,
            "firmware": self.config.firmware_version,
            "panel": self.config.panel.panel_id,
            "freeBytes": self.store.free_bytes(),
            # a share id or null: never the blank screen's marker (BLANK is " ")
            "showing": showing if showing not in (EMPTY, BLANK) else None,
            "stateVersion": current.version if current else None,
            "battery": None,
            "nextWakeAt": None,
            "at": rfc3339(self._clock()),
        }

    def status_for_dashboard(self) -> dict[str, Any]:
        current = self._reconciler.current if self._reconciler else None
        with self._lock:
            frame_id, connected = self._frame_id, self._connected
            offline_since, showing = self._offline_since, self._showing
        items = []
        if current is not None:
            for i in current.items:
                items.append(
                    {
                        "shareId": i.share_id,
                        "senderName": i.sender_name,
                        "sentAt": rfc3339(i.sent_at),
                        "expiresAt": rfc3339(i.expires_at) if i.expires_at else None,
                        "onDisk": self.store.has_file(i.file.sha256),
                        "showing": i.share_id == showing,
                    }
                )
        settings = current.settings if current else Settings()
        return {
            "frameId": frame_id,
            "name": settings.name,
            "panel": self.config.panel.panel_id,
            "firmware": self.config.firmware_version,
            "stateVersion": current.version if current else None,
            "showing": showing,
            "availableFirmware": (
                {"version": current.firmware.version, "install": current.firmware.install}
                if current
                and current.firmware
                and current.firmware.version != self.config.firmware_version
                else None
            ),
            "connection": {
                "connected": connected,
                "offlineSince": rfc3339(offline_since) if offline_since else None,
            },
            "items": items,
            "settings": {
                "intervalSeconds": settings.interval_seconds,
                "order": settings.order,
                "quietHours": (
                    f"{settings.quiet_hours.start:%H:%M}-{settings.quiet_hours.end:%H:%M}"
                    if settings.quiet_hours
                    else None
                ),
                "timeZone": settings.time_zone,
                "showStatus": settings.show_status,
            },
        }
