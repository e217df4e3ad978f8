"""A small local web page for the frame's owner: what is showing, the queue, the connection.

Every GET except the login page needs a session cookie, obtained by POSTing the one-time code
to ``/login``. The code is written to ``{state_dir}/dashboard_code`` (mode 0600) and logged;
each successful login consumes it and makes a new one. Everything shown is HTML-escaped.

Routes: ``/`` (page), ``/screen.png``, ``/api/status`` (JSON), ``POST /login``, ``POST /logout``,
``POST /update``.

The server is a few lines of HTTP/1.1 over ``socketserver`` (one short-lived thread per
connection, ``Connection: close``), not ``http.server``: that one imports ``http.client``,
``email`` and ``ssl``, about 7 MB resident on a frame whose budget is 40 MB. Sessions and the
code are compared as SHA-256 digests (awscrt's, as everywhere in the frame), so neither ``hmac``
nor ``secrets`` (both load OpenSSL's libcrypto through ``hashlib``) is needed.
"""

from __future__ import annotations

import base64
import collections
import html
import json
import logging
import os
import random
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from shareframe_frame.checksum import sha256_hex
from shareframe_frame.store import atomic_write_bytes

log = logging.getLogger(__name__)

COOKIE = "sf_session"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_FAILED_LOGINS = 10
MAX_SESSIONS = 32
MAX_BODY = 4096
MAX_LINE = 8192
MAX_HEADERS = 64
CLIENT_TIMEOUT_SECONDS = 10.0
_RANDOM = random.SystemRandom()  # os.urandom, as secrets.choice uses


class LogBuffer(logging.Handler):
    """Keeps the last log lines in memory for the dashboard."""

    def __init__(self, capacity: int = 100) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
        except Exception:
            self.handleError(record)


class DashboardAuth:
    def __init__(self, code_path: Path) -> None:
        self._code_path = code_path
        self._lock = threading.Lock()
        # SHA-256 of each session token: a lookup by digest leaks nothing about the tokens
        self._sessions: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._failures = 0
        self._code = ""
        self.rotate_code()

    def rotate_code(self) -> None:
        self._code = "".join(_RANDOM.choice(CODE_ALPHABET) for _ in range(10))
        self._failures = 0
        atomic_write_bytes(self._code_path, (self._code + "\n").encode(), mode=0o600)
        log.info("dashboard login code", extra={"dashboardCode": self._code})

    def login(self, code: str) -> str | None:
        with self._lock:
            # Digests, not the codes, are compared: the time taken says nothing about the code.
            if sha256_hex(code.strip().upper().encode()) != sha256_hex(self._code.encode()):
                self._failures += 1
                if self._failures >= MAX_FAILED_LOGINS:
                    log.warning("too many failed dashboard logins: new code")
                    self.rotate_code()
                return None
            token = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
            self._sessions[sha256_hex(token.encode())] = None
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
            self.rotate_code()  # one-time
            return token

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        digest = sha256_hex(token.encode())
        with self._lock:
            return digest in self._sessions

    def logout(self, token: str | None) -> None:
        if token:
            digest = sha256_hex(token.encode())
            with self._lock:
                self._sessions.pop(digest, None)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


# The web app's look (web/src/styles.css: paper, cards, accent buttons), inline because the
# dashboard serves no other files.
STYLE = """<style>
:root{--paper:#f7f5f0;--card:#fff;--ink:#1b2226;--ink-soft:#4a555c;--line:#d6d1c7;
--accent:#1f4e5f;--accent-soft:#e3eef1;--good:#1d6b3a;--good-bg:#e2f3e7;--bad:#a3241c;
--bad-bg:#fbe5e2;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:var(--ink);background:var(--paper)}
*{box-sizing:border-box}body{margin:0 auto;max-width:52em;padding:16px}
h1{font-size:1.6rem;margin:.2em 0 .6em}h2{font-size:1.2rem;margin:0 0 .5em}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px;
margin-bottom:16px;overflow-wrap:anywhere}
.hint{color:var(--ink-soft)}
.badge{display:inline-block;border-radius:999px;padding:0 10px;font-size:.9em;font-weight:600}
.good{background:var(--good-bg);color:var(--good)}.bad{background:var(--bad-bg);color:var(--bad)}
.screen{display:block;width:100%;height:auto;border:12px solid #3b3530;border-radius:4px;
background:#fff}
input{font:inherit;font-size:1.3em;width:100%;min-height:44px;padding:4px 10px;
border:2px solid var(--line);border-radius:8px;letter-spacing:.15em}
button{font:inherit;font-weight:600;min-height:44px;padding:0 18px;border-radius:8px;
border:2px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;margin-top:12px}
button.secondary{background:var(--card);color:var(--accent)}
:focus-visible{outline:3px solid var(--ink);outline-offset:2px}
th{text-align:left;padding-right:1em;font-weight:600}
pre{white-space:pre-wrap;font-size:.8em;max-height:24em;overflow:auto}
</style>"""

LOGIN_PAGE = (
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Shareframe frame</title>
"""
    + STYLE
    + """</head><body><main><h1>Shareframe frame</h1><div class="card">
<form method="post" action="/login"><label for="code">Dashboard code</label>
<p class="hint">The code is in the frame's setup notes, or in <code>dashboard_code</code> in its
state directory.</p>
<input id="code" name="code" autocomplete="one-time-code" autofocus>
<button type="submit">Open</button></form>{message}</div></main></body></html>"""
)


def _firmware_section(running: Any, available: Any) -> str:
    if not isinstance(available, dict):
        return f"<h2>Software</h2><p>Version {_e(running)}, up to date.</p>"
    if available.get("install"):
        version = _e(available.get("version"))
        return f"<h2>Software</h2><p>Version {_e(running)}; {version} will be installed.</p>"
    return (
        f"<h2>Software</h2><p>Version {_e(running)}; {_e(available.get('version'))} is available."
        '</p><form method="post" action="/update"><button>Update</button></form>'
    )


def render_page(status: dict[str, Any], log_lines: list[str]) -> str:
    queue_rows = "".join(
        f"<li>{_e(i.get('shareId'))} — from {_e(i.get('senderName') or '?')}, "
        f"sent {_e(i.get('sentAt'))}{' <strong>(showing)</strong>' if i.get('showing') else ''}"
        "</li>"
        for i in status.get("items", [])
    )
    settings = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in status.get("settings", {}).items()
    )
    conn = status.get("connection", {})
    online = (
        '<span class="badge good">Online</span>'
        if conn.get("connected")
        else '<span class="badge bad">Offline</span>'
        + (f" since {_e(conn.get('offlineSince'))}" if conn.get("offlineSince") else "")
    )
    logs = "\n".join(_e(line) for line in log_lines[-50:])
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="30"><title>Shareframe frame</title>{STYLE}
</head><body><main><h1>{_e(status.get("name") or "Shareframe frame")}</h1>
<section class="card" aria-label="Status"><p>{online}
· state version {_e(status.get("stateVersion"))}</p>
<p class="hint">Frame {_e(status.get("frameId") or "not paired")} ·
panel {_e(status.get("panel"))} · firmware {_e(status.get("firmware"))}</p>
<img class="screen" src="/screen.png" alt="What the frame shows now"></section>
<section class="card"><h2>Photos ({len(status.get("items", []))})</h2>
<ol>{queue_rows}</ol></section>
<section class="card"><h2>Settings</h2><table>{settings}</table></section>
<section class="card">{_firmware_section(status.get("firmware"), status.get("availableFirmware"))}
</section>
<section class="card"><details><summary><h2 style="display:inline">Log</h2></summary>
<pre>{logs}</pre></details></section>
<form method="post" action="/logout"><button class="secondary">Log out</button></form>
</main></body></html>"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""

    def token(self) -> str | None:
        try:
            cookie = SimpleCookie(self.headers.get("cookie", ""))
        except CookieError:
            return None
        morsel = cookie.get(COOKIE)
        return morsel.value if morsel else None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)


class BadRequest(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(HTTPStatus(status).phrase)
        self.status = status


def read_request(rfile: Any) -> Request | None:
    """Parse one HTTP/1.x request from a binary file; None if the client sent nothing."""
    line = rfile.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_LINE:
        raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG)
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(HTTPStatus.BAD_REQUEST)
    method, target, _ = parts
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        raw = rfile.readline(MAX_LINE + 1)
        if len(raw) > MAX_LINE:
            raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, colon, value = raw.decode("latin-1").partition(":")
        if not colon or not name.strip():
            raise BadRequest(HTTPStatus.BAD_REQUEST)
        headers[name.strip().lower()] = value.strip()
    else:
        raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
    if "transfer-encoding" in headers:
        raise BadRequest(HTTPStatus.LENGTH_REQUIRED)  # nothing the dashboard takes is chunked
    length = headers.get("content-length", "0")
    if not length.isdigit():
        raise BadRequest(HTTPStatus.BAD_REQUEST)
    if int(length) > MAX_BODY:
        raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    body = rfile.read(int(length)) if int(length) else b""
    if len(body) != int(length):
        raise BadRequest(HTTPStatus.BAD_REQUEST)
    return Request(method.upper(), target.split("?", 1)[0], headers, body)


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


def write_reply(wfile: Any, reply: Reply, *, head_only: bool = False) -> None:
    lines = [
        f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}",
        "Server: shareframe",
        f"Content-Type: {reply.content_type}",
        f"Content-Length: {len(reply.body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items()),
        *(f"{k}: {v}" for k, v in reply.headers.items()),
    ]
    wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    if not head_only:
        wfile.write(reply.body)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Dashboard:
    def __init__(
        self,
        host: str,
        port: int,
        state_dir: Path,
        status: Callable[[], dict[str, Any]],
        log_buffer: LogBuffer,
        request_update: Callable[[], bool] = lambda: False,
    ) -> None:
        self.auth = DashboardAuth(state_dir / "dashboard_code")
        self._request_update = request_update
        self._screen = state_dir / "screen.png"
        self._status = status
        self._logs = log_buffer
        dashboard = self

        class Connection(socketserver.StreamRequestHandler):
            timeout = CLIENT_TIMEOUT_SECONDS  # a silent client cannot hold a thread for long

            def handle(self) -> None:
                dashboard._serve(self.rfile, self.wfile)

        self._server = _Server((host, port), Connection)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},
            daemon=True,
            name="dashboard",
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()
        host = str(self._server.server_address[0])
        log.info("dashboard listening", extra={"dashboardUrl": f"http://{host}:{self.port}/"})

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, rfile: Any, wfile: Any) -> None:
        try:
            request = read_request(rfile)
        except BadRequest as exc:
            write_reply(wfile, Reply(exc.status, str(exc).encode()))
            return
        except (OSError, UnicodeError):
            return  # the client went away or timed out
        if request is None:
            return
        try:
            reply = self.handle(request)
        except Exception:
            log.exception("dashboard request failed", extra={"path": request.path})
            reply = Reply(HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error")
        log.debug("dashboard request", extra={"request": f"{request.method} {request.path}"})
        try:
            write_reply(wfile, reply, head_only=request.method == "HEAD")
        except OSError:
            return

    def handle(self, request: Request) -> Reply:
        """Answer one request (no I/O with the client here)."""
        if request.method in ("GET", "HEAD"):
            return self._get(request)
        if request.method == "POST":
            return self._post(request)
        return Reply(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"method not allowed",
            headers={"Allow": "GET, HEAD, POST"},
        )

    def _get(self, request: Request) -> Reply:
        authed = self.auth.valid(request.token())
        if request.path == "/" and not authed:
            page = LOGIN_PAGE.replace("{message}", "")
            return Reply(200, page.encode(), "text/html; charset=utf-8")
        if not authed:
            body = json.dumps({"error": "login required"}).encode()
            return Reply(HTTPStatus.UNAUTHORIZED, body, "application/json")
        if request.path == "/":
            page = render_page(self._status(), list(self._logs.lines))
            return Reply(200, page.encode(), "text/html; charset=utf-8")
        if request.path == "/api/status":
            body = json.dumps(self._status(), default=str).encode()
            return Reply(200, body, "application/json")
        if request.path == "/screen.png":
            try:
                return Reply(200, self._screen.read_bytes(), "image/png")
            except OSError:
                return Reply(404, b"no screen yet")
        return Reply(404, b"not found")

    def _post(self, request: Request) -> Reply:
        if request.path == "/login":
            body = request.body.decode("utf-8", errors="replace")
            code = ""
            if "json" in request.headers.get("content-type", ""):
                try:
                    parsed = json.loads(body)
                    code = str(parsed.get("code", "")) if isinstance(parsed, dict) else ""
                except ValueError:
                    code = ""
            else:
                code = parse_qs(body).get("code", [""])[0]
            token = self.auth.login(code)
            if token is None:
                page = LOGIN_PAGE.replace("{message}", "<p>Wrong code.</p>")
                return Reply(HTTPStatus.FORBIDDEN, page.encode(), "text/html; charset=utf-8")
            cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
            return _redirect("/", {"Set-Cookie": cookie})
        if request.path == "/update":
            if not self.auth.valid(request.token()):
                return Reply(HTTPStatus.UNAUTHORIZED, b"login required")
            self._request_update()
            return _redirect("/")
        if request.path == "/logout":
            self.auth.logout(request.token())
            return _redirect("/", {"Set-Cookie": f"{COOKIE}=; Max-Age=0; Path=/"})
        return Reply(404, b"not found")


def _redirect(location: str, extra: dict[str, str] | None = None) -> Reply:
    return Reply(HTTPStatus.SEE_OTHER, b"", headers={"Location": location, **(extra or {})})
