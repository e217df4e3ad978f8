from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shareframe_frame.painting import PaintError
from shareframe_frame.reconcile import Reconciler
from shareframe_frame.store import Store
from tests.firmware.frame_fakes import FRAME_ID, FileServer, desired, encode, item, png_bytes, sha

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Harness:
    def __init__(self, tmp_path: Path, *, connected: bool = True) -> None:
        self.store = Store(tmp_path / "state")
        self.events: list[dict[str, Any]] = []
        self.now = NOW
        self.connected = connected
        self.changes = 0
        self.unpaired = False
        self.reconciler = self.make()

    def make(self) -> Reconciler:
        def on_change() -> None:
            self.changes += 1

        def on_unpaired() -> None:
            self.unpaired = True

        return Reconciler(
            self.store,
            FRAME_ID,
            emit=self.events.append,
            clock=lambda: self.now,
            on_change=on_change,
            on_unpaired=on_unpaired,
            is_connected=lambda: self.connected,
        )

    def kinds(self) -> list[str]:
        return [e["type"] for e in self.events]


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def publish(server: FileServer, share_id: str, data: bytes) -> None:
    server.files[f"/files/{share_id}.png"] = data


def test_a_file_with_the_right_hash_is_stored_and_delivered(
    h: Harness, file_server: FileServer
) -> None:
    data = png_bytes()
    publish(file_server, "shr_a", data)
    h.reconciler.apply(encode(desired(1, [item("shr_a", data, file_server.url, sent_at=NOW)])))
    assert h.store.file_path(sha(data)).read_bytes() == data
    assert h.kinds() == ["delivered"]
    assert h.events[0]["shareId"] == "shr_a"
    assert h.events[0]["at"].endswith("Z")
    # Idempotent: the same state again (or a re-sync) sends nothing new.
    h.reconciler.sync_files()
    h.reconciler.apply(encode(desired(2, [item("shr_a", data, file_server.url, sent_at=NOW)])))
    assert h.kinds() == ["delivered"]
    assert len([r for r in file_server.requests if r[0] == "/files/shr_a.png"]) == 1


def test_a_wrong_hash_is_skipped_with_an_error_and_old_files_kept(
    h: Harness, file_server: FileServer
) -> None:
    good, bad = png_bytes(), png_bytes(colour=(255, 0, 0))
    publish(file_server, "shr_good", good)
    publish(file_server, "shr_bad", bad)
    h.reconciler.apply(encode(desired(1, [item("shr_good", good, file_server.url)])))
    items = [
        item("shr_bad", bad, file_server.url, digest="ab" * 32),
        item("shr_good", good, file_server.url),
    ]
    h.reconciler.apply(encode(desired(2, items)))
    assert h.kinds() == ["delivered", "error"]
    assert h.events[1] == {**h.events[1], "shareId": "shr_bad", "reason": "sha256_mismatch"}
    assert h.store.has_file(sha(good))
    assert not h.store.has_file("ab" * 32)
    assert not any(p.suffix == ".part" for p in h.store.files_dir.iterdir())
    # It is not retried (nor reported again) on the next periodic sync.
    result = h.reconciler.sync_files()
    assert result.complete
    assert h.kinds() == ["delivered", "error"]


def test_an_oversized_file_is_refused(h: Harness, file_server: FileServer) -> None:
    data = png_bytes()
    publish(file_server, "shr_big", data)
    h.reconciler.apply(encode(desired(1, [item("shr_big", data, file_server.url, size=100)])))
    assert h.kinds() == ["error"]
    assert h.events[0]["reason"] == "too_large"
    assert list(h.store.files_dir.iterdir()) == []


def test_a_file_that_is_not_an_image_is_refused(h: Harness, file_server: FileServer) -> None:
    data = b"<html>not a png</html>"
    publish(file_server, "shr_html", data)
    h.reconciler.apply(encode(desired(1, [item("shr_html", data, file_server.url)])))
    assert [e.get("reason") for e in h.events] == ["unusable_image"]
    assert not h.store.has_file(sha(data))


def test_removal_deletes_the_file(h: Harness, file_server: FileServer) -> None:
    a, b = png_bytes(), png_bytes(colour=(0, 0, 255))
    publish(file_server, "shr_a", a)
    publish(file_server, "shr_b", b)
    both = [item("shr_a", a, file_server.url), item("shr_b", b, file_server.url)]
    h.reconciler.apply(encode(desired(1, both)))
    assert h.store.stored_hashes() == {sha(a), sha(b)}
    h.reconciler.apply(encode(desired(2, [item("shr_b", b, file_server.url)])))
    assert h.store.stored_hashes() == {sha(b)}


def test_a_lower_or_equal_version_is_ignored(h: Harness, file_server: FileServer) -> None:
    a, b = png_bytes(), png_bytes(colour=(0, 0, 255))
    publish(file_server, "shr_a", a)
    publish(file_server, "shr_b", b)
    h.reconciler.apply(encode(desired(5, [item("shr_a", a, file_server.url)])))
    assert not h.reconciler.handle_message(encode(desired(5, [item("shr_b", b, file_server.url)])))
    assert not h.reconciler.handle_message(encode(desired(4, [])))
    h.reconciler.sync_files()
    assert h.store.stored_hashes() == {sha(a)}
    assert h.reconciler.current is not None and h.reconciler.current.version == 5


def test_invalid_and_foreign_messages_keep_the_current_state(
    h: Harness, file_server: FileServer
) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert not h.reconciler.handle_message(b"{not json")
    assert not h.reconciler.handle_message(encode(desired(9, [], frame_id="frm_other")))
    assert h.reconciler.current is not None and h.reconciler.current.version == 1
    assert h.store.has_file(sha(a))


def test_paired_false_wipes_photos_and_credentials(h: Harness, file_server: FileServer) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    h.store.save_credentials(
        frame_id=FRAME_ID,
        private_key_pem=b"k",
        certificate_pem="c",
        server_ca_pem="ca",
        mqtt_host="127.0.0.1",
        mqtt_port=8883,
    )
    h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    h.reconciler.apply(encode(desired(2, [], paired=False)))
    assert h.unpaired
    assert h.store.load_credentials() is None
    assert h.store.stored_hashes() == set()
    assert h.store.load_desired() is None
    assert h.reconciler.current is None


def test_expired_urls_ask_for_a_resync_at_most_once_a_minute(
    h: Harness, file_server: FileServer
) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    old = item("shr_a", a, file_server.url, url_expires_at=NOW - timedelta(minutes=5))
    h.reconciler.apply(encode(desired(1, [old])))
    assert h.kinds() == ["resync"]
    assert h.events[0]["reason"] == "urls_expired"
    assert file_server.requests == []
    h.now += timedelta(seconds=30)
    h.reconciler.sync_files()
    assert h.kinds() == ["resync"]
    h.now += timedelta(seconds=31)
    h.reconciler.sync_files()
    assert h.kinds() == ["resync", "resync"]
    # The backend answers with fresh URLs (same items, version + 1).
    fresh = item("shr_a", a, file_server.url, url_expires_at=h.now + timedelta(hours=1))
    h.reconciler.apply(encode(desired(2, [fresh])))
    assert h.kinds() == ["resync", "resync", "delivered"]


def test_a_403_counts_as_an_expired_url(h: Harness, file_server: FileServer) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    file_server.forbidden.add("/files/shr_a.png")
    result = h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert not result.complete
    assert h.kinds() == ["resync"]


def test_no_resync_is_queued_while_offline(tmp_path: Path, file_server: FileServer) -> None:
    h = Harness(tmp_path, connected=False)
    a = png_bytes()
    old = item("shr_a", a, file_server.url, url_expires_at=NOW - timedelta(minutes=5))
    h.reconciler.apply(encode(desired(1, [old])))
    assert h.events == []


def test_an_interrupted_download_resumes_with_a_range_request(
    h: Harness, file_server: FileServer
) -> None:
    a = png_bytes((800, 480), (10, 20, 30)) + b""
    publish(file_server, "shr_a", a)
    file_server.truncate_once.add("/files/shr_a.png")
    first = h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert not first.complete
    assert h.store.partial_path(sha(a)).exists()
    second = h.reconciler.sync_files()
    assert second.complete
    assert h.store.file_path(sha(a)).read_bytes() == a
    assert file_server.requests[-1][1] == f"bytes={len(a) // 2}-"
    assert h.kinds() == ["delivered"]


def test_expired_items_are_deleted_without_network(h: Harness, file_server: FileServer) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    h.reconciler.apply(
        encode(desired(1, [item("shr_a", a, file_server.url, expires_at=NOW + timedelta(hours=1))]))
    )
    assert h.store.has_file(sha(a))
    file_server.files.clear()
    h.now += timedelta(hours=2)
    h.reconciler.sync_files()
    assert not h.store.has_file(sha(a))


def test_a_full_disk_is_logged_and_survived(
    h: Harness, file_server: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    real_open = Path.open

    def full_disk(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.suffix == ".part" and "b" in mode and ("w" in mode or "a" in mode):
            raise OSError(28, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", full_disk)
    result = h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert not result.complete
    assert h.events == []
    monkeypatch.undo()
    assert h.reconciler.sync_files().complete
    assert h.kinds() == ["delivered"]


def test_applied_state_survives_a_restart(tmp_path: Path, file_server: FileServer) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    first = Harness(tmp_path)
    first.reconciler.apply(encode(desired(3, [item("shr_a", a, file_server.url)])))
    again = first.make()
    assert again.current is not None and again.current.version == 3
    assert not again.handle_message(encode(desired(3, [])))


def test_a_nearly_full_disk_is_not_filled_further(
    h: Harness, file_server: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = png_bytes()
    publish(file_server, "shr_a", a)
    monkeypatch.setattr(h.store, "free_bytes", lambda: 10 * 1024 * 1024)
    result = h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert not result.complete
    assert file_server.requests == []
    assert h.events == []


def test_a_complete_partial_from_before_a_restart_is_used_without_fetching(
    h: Harness, file_server: FileServer
) -> None:
    a = png_bytes()
    h.store.partial_path(sha(a)).write_bytes(a)
    h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert file_server.requests == []
    assert h.store.has_file(sha(a))
    assert h.kinds() == ["delivered"]


def test_a_check_that_cannot_run_keeps_the_file_unnamed_and_checks_it_later(
    tmp_path: Path, file_server: FileServer
) -> None:
    """The image check runs before the file takes its final name: a frame stopped while the
    check runs neither holds an unchecked file nor fetches the file again."""
    a = png_bytes()
    publish(file_server, "shr_a", a)
    checked: list[Path] = []

    def check(path: Path) -> None:
        checked.append(path)
        if len(checked) == 1:
            raise PaintError("killed")

    h = Harness(tmp_path)
    h.reconciler = Reconciler(
        h.store, FRAME_ID, emit=h.events.append, clock=lambda: h.now, check=check
    )
    first = h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    assert not first.complete
    assert not h.store.has_file(sha(a))
    assert h.store.partial_path(sha(a)).read_bytes() == a
    assert h.kinds() == []
    assert h.reconciler.sync_files().complete
    assert h.store.file_path(sha(a)).read_bytes() == a
    assert len(file_server.requests) == 1  # checked again, not fetched again
    assert checked == [h.store.partial_path(sha(a))] * 2
    assert h.kinds() == ["delivered"]


def test_reading_the_applied_state_never_waits_for_a_download(
    h: Harness, file_server: FileServer
) -> None:
    a, b = png_bytes(), png_bytes(colour=(1, 2, 3))
    publish(file_server, "shr_a", a)
    h.reconciler.apply(encode(desired(1, [item("shr_a", a, file_server.url)])))
    publish(file_server, "shr_b", b)
    file_server.delay_seconds = 1.0
    worker = threading.Thread(
        target=h.reconciler.apply,
        args=(
            encode(
                desired(2, [item("shr_b", b, file_server.url), item("shr_a", a, file_server.url)])
            ),
        ),
    )
    worker.start()
    time.sleep(0.3)  # the worker is now inside the download
    started = time.monotonic()
    current = h.reconciler.current
    assert time.monotonic() - started < 0.05
    assert current is not None and current.version == 2
    worker.join(5)
    assert h.store.has_file(sha(b))


def test_a_new_share_whose_file_is_on_disk_is_delivered_at_once_without_a_download(
    h: Harness, file_server: FileServer
) -> None:
    """protocol.md §3: files are stored by verified SHA-256, so the same photo sent again (here
    with a URL that has already expired and a server that no longer has it) needs no network."""
    data = png_bytes()
    publish(file_server, "shr_a", data)
    first = item("shr_a", data, file_server.url, sent_at=NOW)
    h.reconciler.apply(encode(desired(1, [first])))
    again = item(
        "shr_b", data, file_server.url, sent_at=NOW, url_expires_at=NOW - timedelta(hours=1)
    )
    h.reconciler.apply(encode(desired(2, [again, first])))
    assert [(e["type"], e["shareId"]) for e in h.events] == [
        ("delivered", "shr_a"),
        ("delivered", "shr_b"),
    ]
    assert [r[0] for r in file_server.requests] == ["/files/shr_a.png"]  # and no resync
    h.reconciler.apply(encode(desired(3, [again])))  # the first share is taken back
    assert h.store.has_file(sha(data))
    assert h.kinds() == ["delivered", "delivered"]
