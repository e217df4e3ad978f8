"""The whole frame in-process: fake pairing API, fake MQTT transport, real files and display."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from shareframe_frame.app import FrameApp
from shareframe_frame.config import FrameConfig, parse_config
from shareframe_frame.connection import ConnectionHandler, MessageHandler, topics_for
from shareframe_frame.screens import draw_status_corner
from shareframe_frame.store import Credentials
from tests.firmware.frame_fakes import (
    FRAME_ID,
    FakePairingApi,
    FakeTransport,
    FileServer,
    desired,
    encode,
    item,
    png_bytes,
    serve_pairing,
    sha,
)

TOPICS = topics_for(FRAME_ID)


# Each screen is drawn, and each download checked, by a child process (painting.py): a second
# or two apiece when the machine is busy, so the whole frame's steps get a generous bound.
def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@dataclass
class Cloud:
    """The fake broker side: one FakeTransport per connection the frame makes."""

    transports: list[FakeTransport] = field(default_factory=list)
    handlers: list[tuple[MessageHandler, ConnectionHandler]] = field(default_factory=list)
    online: bool = True

    def factory(
        self, creds: Credentials, on_message: MessageHandler, on_conn: ConnectionHandler
    ) -> FakeTransport:
        transport = FakeTransport()
        self.transports.append(transport)
        self.handlers.append((on_message, on_conn))
        return transport

    @property
    def transport(self) -> FakeTransport:
        return self.transports[-1]

    def connect(self) -> None:
        wait_for(lambda: self.transports and self.transport.started)
        self.transport.connected = True
        self.handlers[-1][1](True, False)

    def disconnect(self) -> None:
        self.transport.connected = False
        self.handlers[-1][1](False, False)

    def send_desired(self, message: dict[str, Any]) -> None:
        self.handlers[-1][0](TOPICS.desired, encode(message))


def make_config(tmp_path: Path, api_url: str) -> FrameConfig:
    return parse_config(
        {
            "api_url": api_url,
            "state_dir": str(tmp_path / "state"),
            "panel": "waveshare_7in5_v2",
            "display": "virtual",
            "dashboard_port": 0,
            "min_refresh_seconds": 0.2,
        }
    )


class Running:
    def __init__(self, config: FrameConfig, cloud: Cloud | None) -> None:
        self.app = FrameApp(config, transport_factory=cloud.factory if cloud else None)
        self.result: list[int] = []
        self.thread = threading.Thread(target=lambda: self.result.append(self.app.run()))
        self.thread.start()

    def stop(self) -> float:
        started = time.monotonic()
        self.app.request_stop()
        self.thread.join(30)  # a drawing child in progress finishes its refresh first
        assert not self.thread.is_alive()
        assert self.result == [0]
        return time.monotonic() - started

    def screen(self) -> dict[str, Any]:
        path = self.app.config.state_dir / "screen.json"
        return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture
def api() -> Iterator[FakePairingApi]:
    with serve_pairing(FakePairingApi()) as running:
        yield running


def pair(frame: Running, api: FakePairingApi) -> None:
    code = wait_for(lambda: frame.screen().get("pairingCode"))
    api.claim(code)
    wait_for(lambda: frame.app.store.load_credentials() is not None)


def test_pair_receive_show_pixel_exact_and_report(
    tmp_path: Path, api: FakePairingApi, file_server: FileServer
) -> None:
    cloud = Cloud()
    frame = Running(make_config(tmp_path, api.url), cloud)
    try:
        pair(frame, api)
        creds = frame.app.store.load_credentials()
        assert creds is not None and creds.frame_id == FRAME_ID
        assert creds.private_key_path.stat().st_mode & 0o777 == 0o600
        cloud.connect()
        wait_for(lambda: frame.screen().get("screen") == "empty")
        data = png_bytes(colour=(200, 30, 30))
        file_server.files["/files/shr_a.png"] = data
        cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)]))
        wait_for(lambda: frame.screen().get("shareId") == "shr_a")
        assert frame.screen()["sha256"] == sha(data)
        shown = Image.open(frame.app.config.state_dir / "screen.png")
        expected = Image.open(frame.app.store.file_path(sha(data))).convert("RGB")
        assert shown.mode == "RGB" and shown.size == (800, 480)
        assert ImageChops.difference(shown, expected).getbbox() is None
        wait_for(
            lambda: [e["type"] for e in cloud.transport.events()] == ["delivered", "displayed"]
        )
        assert all(e["shareId"] == "shr_a" for e in cloud.transport.events())
        status = wait_for(
            lambda: [s for s in cloud.transport.statuses() if s.get("showing") == "shr_a"]
        )[-1]
        assert status["online"] is True
        assert status["stateVersion"] == 1
        assert status["panel"] == "waveshare_7in5_v2"
        assert status["at"].endswith("Z")
        assert all(retain for t, _, qos, retain in cloud.transport.published if t == TOPICS.status)
        assert all(
            qos == 1 and not retain
            for t, _, qos, retain in cloud.transport.published
            if t == TOPICS.events
        )
    finally:
        elapsed = frame.stop()
    assert elapsed < 5
    assert cloud.transport.statuses()[-1]["online"] is False
    assert cloud.transport.invalid == []  # every status and event matched the protocol's schema


def test_events_wait_in_the_outbox_while_offline_and_go_out_in_order(
    tmp_path: Path, api: FakePairingApi, file_server: FileServer
) -> None:
    cloud = Cloud()
    frame = Running(make_config(tmp_path, api.url), cloud)
    try:
        pair(frame, api)
        wait_for(lambda: cloud.transports and cloud.transport.started)
        data = png_bytes()
        file_server.files["/files/shr_a.png"] = data
        cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)]))
        wait_for(lambda: frame.screen().get("shareId") == "shr_a")
        wait_for(lambda: len(list(frame.app.store.outbox_dir.glob("*.json"))) == 2)
        # (no firmware_check is queued while offline: it is only asked for when connected)
        assert cloud.transport.published == []
        cloud.connect()
        wait_for(lambda: len(cloud.transport.events()) == 2)
        assert [e["type"] for e in cloud.transport.events()] == ["delivered", "displayed"]
        wait_for(lambda: not list(frame.app.store.outbox_dir.glob("*.json")))
    finally:
        frame.stop()


def test_a_restart_resumes_offline_without_repeating_receipts(
    tmp_path: Path, api: FakePairingApi, file_server: FileServer
) -> None:
    cloud = Cloud()
    config = make_config(tmp_path, api.url)
    frame = Running(config, cloud)
    data = png_bytes()
    try:
        pair(frame, api)
        cloud.connect()
        file_server.files["/files/shr_a.png"] = data
        cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)]))
        wait_for(lambda: len(cloud.transport.events()) == 2)
    finally:
        frame.stop()
    file_server.files.clear()  # the cloud is gone
    (config.state_dir / "screen.json").unlink()
    offline_cloud = Cloud()
    again = Running(config, offline_cloud)
    try:
        wait_for(lambda: offline_cloud.transports)
        time.sleep(0.5)
        assert not api.sessions or len(api.sessions) == 1  # no new pairing session
        offline_cloud.connect()
        offline_cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)]))
        time.sleep(0.5)
        assert offline_cloud.transport.events() == []
        assert frame.app.store.has_file(sha(data))
    finally:
        again.stop()


def test_unpairing_wipes_and_returns_to_pairing(
    tmp_path: Path, api: FakePairingApi, file_server: FileServer
) -> None:
    cloud = Cloud()
    frame = Running(make_config(tmp_path, api.url), cloud)
    try:
        pair(frame, api)
        cloud.connect()
        data = png_bytes()
        file_server.files["/files/shr_a.png"] = data
        cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)]))
        wait_for(lambda: frame.screen().get("shareId") == "shr_a")
        sessions_before = len(api.sessions)
        cloud.send_desired(desired(2, [], paired=False))
        wait_for(lambda: frame.screen().get("screen") == "pairing")
        wait_for(lambda: len(api.sessions) > sessions_before)
        assert frame.app.store.load_credentials() is None
        assert frame.app.store.stored_hashes() == set()
    finally:
        frame.stop()


def test_a_hostile_message_does_not_change_the_screen(
    tmp_path: Path, api: FakePairingApi, file_server: FileServer
) -> None:
    cloud = Cloud()
    frame = Running(make_config(tmp_path, api.url), cloud)
    try:
        pair(frame, api)
        cloud.connect()
        data = png_bytes()
        file_server.files["/files/shr_a.png"] = data
        cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)]))
        wait_for(lambda: frame.screen().get("shareId") == "shr_a")
        for junk in (b"\x00" * 10, b"[]", b'{"schema": 1}', b"{" * 5000):
            cloud.handlers[-1][0](TOPICS.desired, junk)
        evil = png_bytes(colour=(0, 255, 0))
        file_server.files["/files/shr_evil.png"] = evil + b"extra"
        cloud.send_desired(
            desired(
                2, [item("shr_evil", evil, file_server.url), item("shr_a", data, file_server.url)]
            )
        )
        wait_for(lambda: any(e["type"] == "error" for e in cloud.transport.events()))
        time.sleep(0.4)
        assert frame.screen().get("shareId") == "shr_a"
    finally:
        frame.stop()


def save_fake_credentials(config: FrameConfig) -> None:
    from shareframe_frame.store import Store

    Store(config.state_dir).save_credentials(
        frame_id=FRAME_ID,
        private_key_pem=b"KEY",
        certificate_pem="CERT",
        server_ca_pem="CA",
        mqtt_host="127.0.0.1",
        mqtt_port=1,
    )


def test_a_certificate_refused_for_24_hours_sends_the_frame_back_to_pairing(
    tmp_path: Path, api: FakePairingApi
) -> None:
    config = make_config(tmp_path, api.url)
    save_fake_credentials(config)
    cloud = Cloud()
    frame = Running(config, cloud)
    try:
        wait_for(lambda: cloud.transports and cloud.transport.started)
        on_conn = cloud.handlers[-1][1]
        now = datetime.now(UTC)
        app = frame.app
        app._clock = lambda: now
        for _ in range(50):  # every 30 minutes for 24.5 hours
            on_conn(False, True)
            now += timedelta(minutes=30)
        wait_for(lambda: frame.screen().get("screen") == "pairing")
        assert app.store.load_credentials() is None
    finally:
        frame.stop()


def test_refusals_with_a_long_gap_between_them_do_not_add_up(tmp_path: Path) -> None:
    config = make_config(tmp_path, "http://127.0.0.1:9")
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    app = FrameApp(config, clock=lambda: now)
    app._connection_changed(False, True)
    now += timedelta(hours=30)  # the frame was switched off
    app._connection_changed(False, True)
    assert not app._certificate_rejected_too_long()
    now += timedelta(minutes=5)
    app._connection_changed(True, False)
    assert app.store.load_marker("rejected_since") is None


def test_the_status_corner_is_drawn_only_while_offline(
    tmp_path: Path, api: FakePairingApi, file_server: FileServer
) -> None:
    cloud = Cloud()
    frame = Running(make_config(tmp_path, api.url), cloud)
    try:
        pair(frame, api)
        cloud.connect()
        data = png_bytes(colour=(0, 0, 0))
        file_server.files["/files/shr_a.png"] = data
        cloud.send_desired(desired(1, [item("shr_a", data, file_server.url)], showStatus=True))
        wait_for(lambda: frame.screen().get("shareId") == "shr_a")
        shown = Image.open(frame.app.config.state_dir / "screen.png")
        expected = Image.open(frame.app.store.file_path(sha(data))).convert("RGB")
        # Online, the screen is the file itself: the sender is in the file's caption band.
        assert ImageChops.difference(shown, expected).getbbox() is None
        offline = draw_status_corner(
            expected.copy(), offline_since=datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        )
        box = ImageChops.difference(offline, expected).getbbox()
        assert box is not None
        assert box[0] > 400 and box[3] < 180  # only the top-right corner differs
    finally:
        frame.stop()


def test_firmware_check_is_asked_for_when_connected_and_not_again_within_six_hours(
    tmp_path: Path, api: FakePairingApi
) -> None:
    config = make_config(tmp_path, api.url)
    save_fake_credentials(config)
    cloud = Cloud()
    frame = Running(config, cloud)
    try:
        cloud.connect()
        wait_for(lambda: cloud.transport.events(include_checks=True))
        frame.app._wake.set()
        time.sleep(0.3)
        checks = [e for e in cloud.transport.events(include_checks=True)]
        assert [e["type"] for e in checks] == ["firmware_check"]
        assert frame.app.request_update()
        wait_for(lambda: [e["type"] for e in cloud.transport.events()] == ["update_requested"])
    finally:
        frame.stop()
    assert cloud.transport.invalid == []
