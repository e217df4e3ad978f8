"""A frame that restarts or reconnects downloads nothing it already holds.

The original sends a reconnecting frame every unexpired photo again. Here a virtual frame with
50 photos (the most a frame holds) is restarted and then handed a new desired state with fresh
links for all of them: every byte it fetches over HTTP goes through a counting proxy, and it
fetches none.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.journeys import Person, photo, wait_for

PHOTOS = 50  # max_items_per_frame


class CountingProxy:
    """A plain HTTP forward proxy that counts the response bytes it relays, per host:port."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                target = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("proxy-connection", "connection", "keep-alive")
                }
                upstream = http.client.HTTPConnection(target.netloc, timeout=30)
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path or "/", body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                upstream.close()
                with lock:
                    proxy.received[target.netloc] += len(data)
                    proxy.requests[target.netloc] += 1
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy():
    counting = CountingProxy()
    yield counting
    counting.close()


def files_on(process) -> dict[str, tuple[int, int]]:
    """The frame's photo files: name -> (inode, mtime_ns)."""
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (process.state_dir / "files").glob("*.png")
    }


def log_records_since(process, offset: int) -> list[dict[str, Any]]:
    records = []
    for line in process.log[offset:].splitlines():
        start = line.find("{")
        if start >= 0:
            try:
                records.append(json.loads(line[start:]))
            except ValueError:
                continue
    return records


def test_a_frame_restarted_with_50_photos_on_it_downloads_0_bytes(local_cloud, proxy, monkeypatch):
    moto = urlsplit(local_cloud.moto_url).netloc
    # The frame's HTTP (pairing, downloads) goes through the proxy; MQTT does not.
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    process = local_cloud.start_frame("fifty", updatable=False)
    monkeypatch.undo()  # only the frame's environment has the proxy

    ana = Person(local_cloud, "fifty@example.com").sign_up("Fifty")
    frame = ana.pair(process, "Fifty")
    frame_id = frame["frameId"]
    ana.request("PATCH", f"/frames/{frame_id}", {"showStatus": False}, 200)
    for n in range(PHOTOS):
        colour = (n * 5 % 256, 255 - n * 5 % 256, (n * 37) % 256)
        image = ana.upload(photo(colour, size=(320, 240)))
        ana.send(image["imageId"], [frame_id])
    wait_for(lambda: len(files_on(process)) == PHOTOS, timeout=240, what="50 files on the frame")
    held = files_on(process)
    file_bytes = sum((process.state_dir / "files" / name).stat().st_size for name in held)
    assert proxy.received[moto] >= file_bytes > 0  # the proxy sees the downloads
    first_fill = proxy.received[moto]

    offset = len(process.log)
    before = dict(proxy.received)
    process.restart()
    process.wait_dashboard()
    wait_for(
        lambda: any(
            r.get("message") in ("desired state applied", "ignoring old desired state")
            for r in log_records_since(process, offset)
        ),
        timeout=60,
        what="the retained desired state after the restart",
    )
    # A new desired state with fresh links for all 50 photos: still nothing to fetch.
    ana.request("PATCH", f"/frames/{frame_id}", {"name": "Fifty again"}, 200)
    applied = wait_for(
        lambda: [
            r
            for r in log_records_since(process, offset)
            if r.get("message") == "desired state applied" and r.get("items") == PHOTOS
        ],
        timeout=60,
        what="the new desired state applied",
    )
    assert applied
    time.sleep(3)  # give the reconcile worker every chance to fetch something
    assert files_on(process) == held  # the same files, not rewritten
    assert not [
        r for r in log_records_since(process, offset) if r.get("message") == "file downloaded"
    ]
    assert proxy.received[moto] == before.get(moto, 0), (first_fill, dict(proxy.received))
    print(f"\nfirst fill: {first_fill} bytes for {PHOTOS} photos; after restart: 0 bytes")
