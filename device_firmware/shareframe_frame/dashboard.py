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
