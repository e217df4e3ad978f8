"""Test doubles for the frame: a file server, a pairing API, a transport, message builders."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from PIL import Image

from chalicelib import pki
from shareframe_frame import frame_protocol

FRAME_ID = "frm_01JD2ZK3Q4X7H8M9N0PQRSTVWX"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def png_bytes(
    size: tuple[int, int] = (800, 480), colour: tuple[int, int, int] = (0, 0, 0)
) -> bytes:
    image = Image.new("P", size)
    image.putpalette([*colour, 255, 255, 255] + [0] * 762)
    for x in range(0, size[0], 7):
        for y in range(0, size[1], 5):
            image.putpixel((x, y), 1)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def item(
    share_id: str,
    data: bytes,
    base_url: str,
    *,
    sent_at: datetime | None = None,
    expires_at: datetime | None = None,
    url_expires_at: datetime | None = None,
    digest: str | None = None,
    size: int | None = None,
    sender: str = "Ana",
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "shareId": share_id,
        "imageId": "img_" + share_id[4:],
        "sentAt": iso(sent_at or now),
        "expiresAt": iso(expires_at) if expires_at else None,
        "senderName": sender,
        "caption": None,
        "file": {
            "url": f"{base_url}/files/{share_id}.png?X-Amz-Signature=abc",
            "urlExpiresAt": iso(url_expires_at or now + timedelta(hours=1)),
            "sha256": digest or sha(data),
            "bytes": size if size is not None else len(data),
            "contentType": "image/png",
        },
    }


def desired(
    version: int,
    items: list[dict[str, Any]],
    *,
    frame_id: str = FRAME_ID,
    paired: bool = True,
    **settings: Any,
) -> dict[str, Any]:
    return {
        "schema": 1,
        "frameId": frame_id,
        "version": version,
        "issuedAt": iso(datetime.now(UTC)),
        "paired": paired,
        "settings": {
            "name": "Kitchen",
            "panel": "waveshare_7in5_v2",
            "orientation": "landscape",
            "intervalSeconds": 900,
            "order": "newest_first",
            "quietHours": None,
            "timeZone": "Europe/Berlin",
            "showStatus": False,
            **settings,
        },
        "items": items,
        "firmware": None,
    }


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


@dataclass
class FileServer:
    """Serves ``files[path]`` with Range support; ``forbidden`` paths answer 403."""

    files: dict[str, bytes] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    truncate_once: set[str] = field(default_factory=set)
    delay_seconds: float = 0.0
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                rng = self.headers.get("Range")
                server.requests.append((path, rng))
                if server.delay_seconds:
                    time.sleep(server.delay_seconds)
                if path in server.forbidden:
                    self.send_error(403)
                    return
                if path in server.redirects:
                    self.send_response(302)
                    self.send_header("Location", server.redirects[path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = server.files.get(path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if path in server.truncate_once:
                    server.truncate_once.discard(path)
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        return Handler


@contextmanager
def serve_files(
    server: FileServer, *, tls: tuple[str, str] | None = None, host: str = "127.0.0.1"
) -> Iterator[FileServer]:
    """Serve ``server`` on a free port; ``tls`` = (certificate file, key file) makes it https."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), server.handler())
    scheme = "http"
    if tls is not None:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        # the handshake in the handler's thread, so that a refusing client never blocks accept
        httpd.socket = context.wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        scheme = "https"
    server.url = f"{scheme}://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class FakeTransport:
    """In-memory transport: ``published`` collects (topic, payload dict, qos, retain);
    ``invalid`` what the protocol's schema refuses (every test can assert it stays empty)."""

    connected: bool = False
    accept: bool = True
    published: list[tuple[str, dict[str, Any], int, bool]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    started: bool = False

    def start(self) -> None:
        self.started = True

    def publish(
        self, topic: str, payload: bytes, qos: int, retain: bool, timeout: float = 10.0
    ) -> bool:
        if not self.connected or not self.accept:
            return False
        message = json.loads(payload)
        try:
            if topic.endswith("/status"):
                frame_protocol.check("status", message)
            else:
                frame_protocol.check_event(message)
        except frame_protocol.ProtocolError as exc:
            self.invalid.append(str(exc))
        self.published.append((topic, message, qos, retain))
        return True

    def stop(self, timeout: float = 2.0) -> None:
        self.connected = False

    def events(self, *, include_checks: bool = False) -> list[dict[str, Any]]:
        """Published events; the periodic ``firmware_check`` only when asked for."""
        return [
            p
            for t, p, _, _ in self.published
            if t.endswith("/events") and (include_checks or p.get("type") != "firmware_check")
        ]

    def statuses(self) -> list[dict[str, Any]]:
        return [p for t, p, _, _ in self.published if t.endswith("/status")]


class DeviceCA:
    """A device CA that signs CSRs like the backend does (CN = frame id), with chalicelib.pki."""

    def __init__(self) -> None:
        self.cert, self.key = pki.new_ca(
            "Shareframe tests", "Shareframe test CA", validity=timedelta(days=30)
        )

    @property
    def pem(self) -> str:
        return pki.certificate_pem(self.cert)

    def issue(
        self,
        public_key: Any,
        common_name: str,
        *,
        server: bool = False,
        sans: list[str] | None = None,
    ) -> str:
        cert = pki.issue_leaf(
            self.cert,
            self.key,
            common_name,
            public_key,
            purpose=pki.Purpose.SERVER if server else pki.Purpose.CLIENT,
            validity=timedelta(days=30),
            hostnames=sans or (),
        )
        return pki.certificate_pem(cert)

    def sign_csr(self, csr_pem: str, frame_id: str) -> str:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        assert csr.is_signature_valid
        return self.issue(csr.public_key(), frame_id)


@dataclass
class FakePairingApi:
    """``POST /pairing`` and ``POST /pairing/{code}/poll`` as protocol.md §1 describes."""

    ca: DeviceCA = field(default_factory=DeviceCA)
    frame_id: str = FRAME_ID
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 8883
    expires_in: timedelta = timedelta(minutes=15)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""
    _counter: int = 0

    def claim(self, code: str) -> None:
        self.sessions[code]["claimed"] = True

    def expire_all(self) -> None:
        self.sessions.clear()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                parts = self.path.strip("/").split("/")
                if parts == ["pairing"]:
                    if "BEGIN CERTIFICATE REQUEST" not in body.get("csr", ""):
                        self._json(400, {"error": "bad csr"})
                        return
                    api._counter += 1
                    code = f"K7QMT4Z{'23456789'[api._counter % 8]}"
                    api.sessions[code] = {
                        "csr": body["csr"],
                        "token": f"pt_{api._counter}",
                        "claimed": False,
                        "panel": body.get("panel"),
                        "firmware": body.get("firmware"),
                    }
                    self._json(
                        201,
                        {
                            "code": code,
                            "pollToken": f"pt_{api._counter}",
                            "expiresAt": iso(datetime.now(UTC) + api.expires_in),
                            "pollIntervalSeconds": 1,
                            "claimUrl": f"http://localhost:5173/frames/claim?code={code}",
                        },
                    )
                    return
                if len(parts) == 3 and parts[0] == "pairing" and parts[2] == "poll":
                    session = api.sessions.get(parts[1])
                    if session is None or body.get("pollToken") != session["token"]:
                        self._json(404, {"error": "unknown"})
                        return
                    if not session["claimed"]:
                        self._json(200, {"status": "pending"})
                        return
                    self._json(
                        200,
                        {
                            "status": "paired",
                            "frameId": api.frame_id,
                            "certificatePem": api.ca.sign_csr(session["csr"], api.frame_id),
                            "serverCaPem": api.ca.pem,
                            "mqtt": {"host": api.mqtt_host, "port": api.mqtt_port},
                        },
                    )
                    return
                self._json(404, {"error": "not found"})

        return Handler


@contextmanager
def serve_pairing(api: FakePairingApi) -> Iterator[FakePairingApi]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), api.handler())
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()
