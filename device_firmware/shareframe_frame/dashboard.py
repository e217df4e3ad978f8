"""A small local web page for the frame's owner: what is showing, the queue, the connection.

Every GET except the login page needs a session cookie, obtained by POSTing the one-time code
to ``/login``. The code is written to ``{state_dir}/dashboard_code`` (mode 0600) and logged;
each successful login consumes it and makes a new one. Everything shown is HTML-escaped.

Routes: ``/`` (page), ``/screen.png``, ``/api/status`` (JSON), ``POST /login``, ``POST /logout``.
"""

from __future__ import annotations

import collections
import hmac
import html
import json
import logging
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from shareframe_frame.store import atomic_write_bytes

log = logging.getLogger(__name__)

COOKIE = "sf_session"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_FAILED_LOGINS = 10
MAX_SESSIONS = 32
MAX_BODY = 4096


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
        self._sessions: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._failures = 0
        self._code = ""
        self.rotate_code()

    def rotate_code(self) -> None:
        self._code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        self._failures = 0
        atomic_write_bytes(self._code_path, (self._code + "\n").encode(), mode=0o600)
        log.info("dashboard login code", extra={"dashboardCode": self._code})

    def login(self, code: str) -> str | None:
        with self._lock:
            if not hmac.compare_digest(code.strip().upper().encode(), self._code.encode()):
                self._failures += 1
                if self._failures >= MAX_FAILED_LOGINS:
                    log.warning("too many failed dashboard logins: new code")
                    self.rotate_code()
                return None
            token = secrets.token_urlsafe(32)
            self._sessions[token] = None
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
            self.rotate_code()  # one-time
            return token

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            return any(hmac.compare_digest(token, t) for t in self._sessions)

    def logout(self, token: str | None) -> None:
        with self._lock:
            if token:
                self._sessions.pop(token, None)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Shareframe</title>
<style>body{font-family:sans-serif;margin:2em;max-width:30em}input{font-size:1.4em;width:100%}
button{font-size:1.2em;margin-top:1em}</style></head><body><h1>Shareframe frame</h1>
<form method="post" action="/login"><label>Dashboard code<br>
<input name="code" autocomplete="one-time-code" autofocus></label><br>
<button type="submit">Open</button></form>{message}</body></html>"""


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
        f"sent {_e(i.get('sentAt'))}{' (showing)' if i.get('showing') else ''}</li>"
        for i in status.get("items", [])
    )
    settings = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in status.get("settings", {}).items()
    )
    conn = status.get("connection", {})
    logs = "\n".join(_e(line) for line in log_lines[-50:])
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="30"><title>Shareframe</title>
<style>body{{font-family:sans-serif;margin:1em}}img{{max-width:100%;border:1px solid #888}}
pre{{white-space:pre-wrap;font-size:.8em}}th{{text-align:left;padding-right:1em}}</style>
</head><body><h1>{_e(status.get("name") or "Shareframe frame")}</h1>
<p>Frame {_e(status.get("frameId") or "not paired")} · panel {_e(status.get("panel"))} ·
firmware {_e(status.get("firmware"))}</p>
<p>Connection: {"online" if conn.get("connected") else "offline"}
{(" since " + _e(conn.get("offlineSince"))) if conn.get("offlineSince") else ""}
· state version {_e(status.get("stateVersion"))}</p>
<img src="/screen.png" alt="current screen">
<h2>Photos ({len(status.get("items", []))})</h2><ol>{queue_rows}</ol>
<h2>Settings</h2><table>{settings}</table>
{_firmware_section(status.get("firmware"), status.get("availableFirmware"))}
<h2>Log</h2><pre>{logs}</pre>
<form method="post" action="/logout"><button>Log out</button></form></body></html>"""


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
        handler = self._handler_class()
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
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

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        dashboard = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "shareframe"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("dashboard request", extra={"request": format % args})

            def _token(self) -> str | None:
                try:
                    cookie = SimpleCookie(self.headers.get("Cookie", ""))
                except CookieError:
                    return None
                morsel = cookie.get(COOKIE)
                return morsel.value if morsel else None

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                extra: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("X-Frame-Options", "DENY")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header(
                    "Content-Security-Policy",
                    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                    "form-action 'self'; frame-ancestors 'none'",
                )
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _redirect(self, location: str, extra: dict[str, str] | None = None) -> None:
                self._send(
                    HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": location, **(extra or {})}
                )

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                authed = dashboard.auth.valid(self._token())
                if path == "/" and not authed:
                    self._send(
                        200,
                        (LOGIN_PAGE.replace("{message}", "")).encode(),
                        "text/html; charset=utf-8",
                    )
                    return
                if not authed:
                    body = json.dumps({"error": "login required"}).encode()
                    self._send(HTTPStatus.UNAUTHORIZED, body, "application/json")
                    return
                if path == "/":
                    page = render_page(dashboard._status(), list(dashboard._logs.lines))
                    self._send(200, page.encode(), "text/html; charset=utf-8")
                elif path == "/api/status":
                    body = json.dumps(dashboard._status(), default=str).encode()
                    self._send(200, body, "application/json")
                elif path == "/screen.png":
                    try:
                        data = dashboard._screen.read_bytes()
                    except OSError:
                        self._send(404, b"no screen yet", "text/plain")
                        return
                    self._send(200, data, "image/png")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                path = self.path.split("?", 1)[0]
                length = self.headers.get("Content-Length", "0")
                size = int(length) if length.isdigit() else 0
                if size > MAX_BODY:
                    self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large", "text/plain")
                    return
                body = self.rfile.read(size).decode("utf-8", errors="replace")
                if path == "/login":
                    code = ""
                    if "json" in self.headers.get("Content-Type", ""):
                        try:
                            parsed = json.loads(body)
                            code = str(parsed.get("code", "")) if isinstance(parsed, dict) else ""
                        except ValueError:
                            code = ""
                    else:
                        code = parse_qs(body).get("code", [""])[0]
                    token = dashboard.auth.login(code)
                    if token is None:
                        page = LOGIN_PAGE.replace("{message}", "<p>Wrong code.</p>")
                        self._send(HTTPStatus.FORBIDDEN, page.encode(), "text/html; charset=utf-8")
                        return
                    cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
                    self._redirect("/", {"Set-Cookie": cookie})
                elif path == "/update":
                    if not dashboard.auth.valid(self._token()):
                        self._send(HTTPStatus.UNAUTHORIZED, b"login required", "text/plain")
                        return
                    dashboard._request_update()
                    self._redirect("/")
                elif path == "/logout":
                    dashboard.auth.logout(self._token())
                    self._redirect("/", {"Set-Cookie": f"{COOKIE}=; Max-Age=0; Path=/"})
                else:
                    self._send(404, b"not found", "text/plain")

            def do_HEAD(self) -> None:
                self.do_GET()

        return Handler
