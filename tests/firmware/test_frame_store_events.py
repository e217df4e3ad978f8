from __future__ import annotations

import os
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shareframe_frame.events import EventSender, make_event
from shareframe_frame.store import Store, atomic_write_bytes
from tests.firmware.frame_fakes import FRAME_ID, FakeTransport

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_atomic_write_leaves_the_old_file_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "desired.json"
    atomic_write_bytes(target, b"old")

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shareframe_frame.store.os.fsync", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["desired.json"]


def test_credentials_round_trip_with_a_private_key_only_the_owner_reads(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.load_credentials() is None
    creds = store.save_credentials(
        frame_id=FRAME_ID,
        private_key_pem=b"KEY",
        certificate_pem="CERT",
        server_ca_pem="CA",
        mqtt_host="127.0.0.1",
        mqtt_port=8883,
    )
    assert stat.S_IMODE(creds.private_key_path.stat().st_mode) == 0o600
    again = Store(tmp_path).load_credentials()
    assert again == creds
    assert again is not None and again.mqtt_port == 8883


def test_half_written_credentials_do_not_count_as_paired(tmp_path: Path) -> None:
    store = Store(tmp_path)
    (store.credentials_dir / "private_key.pem").write_bytes(b"KEY")
    assert store.load_credentials() is None


def test_receipts_are_remembered_once_and_survive_a_restart(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.mark_reported("displayed", "shr_a")
    assert not store.mark_reported("displayed", "shr_a")
    assert Store(tmp_path).reported("displayed") == {"shr_a"}
    store.forget_reported_except("displayed", set())
    assert store.reported("displayed") == set()


def test_a_restart_removes_what_a_write_killed_mid_way_left_behind(tmp_path: Path) -> None:
    Store(tmp_path).save_slideshow({"position": 1})
    dead = os.getpid() + 1  # a process that died between the temporary's create and rename
    left = [
        tmp_path / f".slideshow.json.{dead}.140391167817408.tmp",
        tmp_path / "files" / f".screen.png.{dead}.7.tmp",
        tmp_path / "outbox" / f".00000001.json.{dead}.7.tmp",
    ]
    own = tmp_path / f".displayed.json.{os.getpid()}.7.tmp"  # this process may be writing it
    other = tmp_path / ".firmware_failed.json.tmp"  # the launcher's, not the store's
    for path in [*left, own, other]:
        path.write_text("half")
    store = Store(tmp_path)
    assert [path for path in left if path.exists()] == []
    assert own.exists() and other.exists()
    assert store.load_slideshow() == {"position": 1}


def test_wipe_forgets_everything_but_the_screen(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save_credentials(
        frame_id=FRAME_ID,
        private_key_pem=b"KEY",
        certificate_pem="CERT",
        server_ca_pem="CA",
        mqtt_host="h",
        mqtt_port=1,
    )
    store.save_desired(b"{}")
    store.file_path("a" * 64).write_bytes(b"png")
    store.append_outbox(make_event("displayed", AT, shareId="shr_a"))
    (tmp_path / "screen.png").write_bytes(b"screen")
    store.wipe()
    assert store.load_credentials() is None
    assert store.load_desired() is None
    assert store.stored_hashes() == set()
    assert store.outbox() == []
    assert (tmp_path / "screen.png").exists()


def test_the_outbox_keeps_order_across_restarts(tmp_path: Path) -> None:
    store = Store(tmp_path)
    ids = []
    for n in range(30):
        event = make_event("displayed", AT, shareId=f"shr_{n}")
        ids.append(event["eventId"])
        store.append_outbox(event)
    assert [e.event["eventId"] for e in Store(tmp_path).outbox()] == ids


def test_a_corrupt_outbox_entry_is_dropped(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.append_outbox(make_event("displayed", AT, shareId="shr_a"))
    (store.outbox_dir / "00000000000000000000-000000.json").write_text("{broken")
    assert [e.event["shareId"] for e in store.outbox()] == ["shr_a"]


def status() -> dict[str, Any]:
    return {"online": True, "showing": None}


def test_events_are_flushed_oldest_first_after_reconnect_and_only_removed_when_acked(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    transport = FakeTransport(connected=False)
    sender = EventSender(store, transport, FRAME_ID, status)
    for n in range(5):
        sender.emit(make_event("displayed", AT, shareId=f"shr_{n}"))
    assert not sender.flush_once()
    assert len(store.outbox()) == 5
    transport.connected, transport.accept = True, False
    assert not sender.flush_once()
    assert len(store.outbox()) == 5
    transport.accept = True
    assert sender.flush_once()
    assert [e["shareId"] for e in transport.events()] == [f"shr_{n}" for n in range(5)]
    assert store.outbox() == []
    topic, _payload, qos, retain = transport.published[0]
    assert topic == f"shareframe/frames/{FRAME_ID}/status" and retain and qos == 1


def test_the_sender_thread_delivers_events_queued_while_offline(tmp_path: Path) -> None:
    store = Store(tmp_path)
    transport = FakeTransport(connected=False)
    sender = EventSender(store, transport, FRAME_ID, status)
    sender.start()
    try:
        sender.emit(make_event("delivered", AT, shareId="shr_a"))
        sender.emit(make_event("displayed", AT, shareId="shr_a"))
        time.sleep(0.1)
        assert transport.published == []
        transport.connected = True
        sender.status_changed()  # what a connection-success callback does
        deadline = time.monotonic() + 3
        while len(transport.events()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [e["type"] for e in transport.events()] == ["delivered", "displayed"]
    finally:
        sender.stop()


def test_outbox_writes_from_many_threads_do_not_collide(tmp_path: Path) -> None:
    store = Store(tmp_path)

    def writer(n: int) -> None:
        for i in range(20):
            store.append_outbox(make_event("displayed", AT, shareId=f"shr_{n}_{i}"))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.outbox()) == 80
    assert not [p for p in os.listdir(store.outbox_dir) if p.endswith(".tmp")]


def test_event_shape_matches_the_protocol() -> None:
    event = make_event("resync", AT, reason="urls_expired")
    assert event == {
        "type": "resync",
        "eventId": event["eventId"],
        "reason": "urls_expired",
        "at": "2026-11-25T12:00:00Z",
    }
    assert len(event["eventId"]) == 36


def test_the_status_is_republished_as_a_heartbeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shareframe_frame.events.HEARTBEAT_SECONDS", 0.2)
    transport = FakeTransport(connected=True)
    sender = EventSender(Store(tmp_path), transport, FRAME_ID, status)
    sender.start()
    try:
        time.sleep(1.5)
    finally:
        sender.stop()
    assert 2 <= len(transport.statuses()) <= 5  # the first, then heartbeats


def test_an_event_the_protocol_schema_refuses_is_logged_and_never_queued(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path)
    sender = EventSender(store, FakeTransport(), FRAME_ID, lambda: {"online": True})
    sender.emit(make_event("delivered", AT))  # a receipt without its shareId
    sender.emit(make_event("delivered", AT, shareId="shr_a"))
    assert [entry.event.get("shareId") for entry in store.outbox()] == ["shr_a"]
    assert "refusing to send an invalid event" in caplog.text
