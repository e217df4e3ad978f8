from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from shareframe_frame.dashboard import Dashboard, LogBuffer


def hostile_status() -> dict[str, Any]:
    return {
        "frameId": "frm_x",
        "name": "<script>alert(1)</script>",
        "items": [{"shareId": "shr_a", "senderName": "<img src=x onerror=alert(1)>"}],
        "settings": {"order": "newest_first"},
        "connection": {"connected": False, "offlineSince": "2026-11-25T12:00:00Z"},
    }


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[Dashboard]:
    logs = LogBuffer()
    logs.lines.append("INFO x: <b>bold</b>")
    (tmp_path / "screen.png").write_bytes(b"\x89PNG fake")
    d = Dashboard("127.0.0.1", 0, tmp_path, hostile_status, logs)
    d.start()
    yield d
    d.stop()


def request(
    d: Dashboard, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
    conn.request(method, path, body=body.encode() or None, headers=headers or {})
    return conn.getresponse()


def login(d: Dashboard, code: str) -> http.client.HTTPResponse:
    return request(
        d,
        "POST",
        "/login",
        urlencode({"code": code}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_everything_but_the_login_page_needs_a_session(dashboard: Dashboard) -> None:
    assert request(dashboard, "GET", "/api/status").status == 401
    assert request(dashboard, "GET", "/screen.png").status == 401
    page = request(dashboard, "GET", "/")
    assert page.status == 200
    assert b"Dashboard code" in page.read()


def test_the_one_time_code_logs_in_once(dashboard: Dashboard, tmp_path: Path) -> None:
    code_file = tmp_path / "dashboard_code"
    assert code_file.stat().st_mode & 0o777 == 0o600
    code = code_file.read_text().strip()
    assert login(dashboard, "WRONG").status == 403
    ok = login(dashboard, code)
    assert ok.status == 303
    cookie = ok.getheader("Set-Cookie") or ""
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session = cookie.split(";", 1)[0]
    status = request(dashboard, "GET", "/api/status", headers={"Cookie": session})
    assert status.status == 200
    assert json.loads(status.read())["frameId"] == "frm_x"
    screen = request(dashboard, "GET", "/screen.png", headers={"Cookie": session})
    assert screen.status == 200 and screen.getheader("Content-Type") == "image/png"
    # The code was consumed; a new one was written.
    assert login(dashboard, code).status == 403
    assert code_file.read_text().strip() != code


def test_the_page_escapes_everything(dashboard: Dashboard, tmp_path: Path) -> None:
    code = (tmp_path / "dashboard_code").read_text().strip()
    session = (login(dashboard, code).getheader("Set-Cookie") or "").split(";", 1)[0]
    page = request(dashboard, "GET", "/", headers={"Cookie": session}).read().decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;" in page


def test_a_forged_cookie_is_refused(dashboard: Dashboard) -> None:
    assert (
        request(dashboard, "GET", "/api/status", headers={"Cookie": "sf_session=abc"}).status == 401
    )


def test_the_update_button_needs_a_session(tmp_path: Path) -> None:
    requested: list[bool] = []

    def request_update() -> bool:
        requested.append(True)
        return True

    d = Dashboard("127.0.0.1", 0, tmp_path, hostile_status, LogBuffer(), request_update)
    d.start()
    try:
        assert request(d, "POST", "/update").status == 401
        assert requested == []
        code = (tmp_path / "dashboard_code").read_text().strip()
        session = (login(d, code).getheader("Set-Cookie") or "").split(";", 1)[0]
        assert request(d, "POST", "/update", headers={"Cookie": session}).status == 303
        assert requested == [True]
    finally:
        d.stop()


def raw(d: Dashboard, data: bytes) -> bytes:
    """Send bytes as they are and read the whole answer (the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", d.port), timeout=5) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    ("sent", "status"),
    [
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"GET / SPDY/3\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 65 + b"\r\n", b"431"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"POST /login HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", b"413"),
        (b"POST /login HTTP/1.1\r\nContent-Length: -1\r\n\r\n", b"400"),
        (b"POST /login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
        (b"DELETE / HTTP/1.1\r\n\r\n", b"405"),
    ],
)
def test_bad_requests_get_a_4xx_and_the_server_lives_on(
    dashboard: Dashboard, sent: bytes, status: bytes
) -> None:
    answer = raw(dashboard, sent)
    assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:80]
    assert request(dashboard, "GET", "/").status == 200


def test_head_answers_the_headers_without_a_body(dashboard: Dashboard) -> None:
    answer = raw(dashboard, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Security-Policy: default-src 'none'" in head
    assert int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) > 0
    assert body == b""


def test_a_silent_client_does_not_stop_others(dashboard: Dashboard) -> None:
    with socket.create_connection(("127.0.0.1", dashboard.port), timeout=5) as idle:
        idle.sendall(b"GET / HTTP/1.1\r\n")  # and never finishes
        assert request(dashboard, "GET", "/").status == 200
