"""Serve the built SPA (``web/dist``) with index.html fallback and a runtime ``/config.json``.

``/config.json`` tells the SPA where the API is, so one build works locally and in AWS. Every
answer carries the same security headers as CloudFront's response-headers policy in
``infra/template.json`` (``WebResponseHeadersPolicy``): the same Content-Security-Policy, with the
local API and S3 origins in place of the deployed ones.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from infra.localcloud.settings import Settings

log = logging.getLogger(__name__)

MISSING = b"""<!doctype html><meta charset="utf-8"><title>Shareframe</title>
<h1>The web app is not built</h1>
<p>Build it with <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>
(or <code>make run</code>), then reload.</p>
"""


def content_security_policy(api_origin: str, media_origin: str) -> str:
    """Scripts and styles only from the app's own origin; data only to the API and the media
    bucket; no plugins, no framing, no <base> games. Injected markup cannot run script."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob: {media_origin}; "
        f"connect-src 'self' {api_origin} {media_origin}; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def make_handler(dist: Path, api_url: str, media_url: str) -> type[BaseHTTPRequestHandler]:
    root = dist.resolve()
    config = json.dumps({"apiUrl": api_url}).encode()
    csp = content_security_policy(api_url, media_url)

    class Handler(BaseHTTPRequestHandler):
        server_version = "shareframe-spa"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

        def _send(self, status: int, body: bytes, content_type: str, cache: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            self.send_header("Content-Security-Policy", csp)
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/config.json":
                self._send(200, config, "application/json", "no-store")
                return
            index = root / "index.html"
            if not index.is_file():
                self._send(200, MISSING, "text/html; charset=utf-8", "no-store")
                return
            target = (root / path.lstrip("/")).resolve()
            if target.is_file() and target.is_relative_to(root):
                kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                # Vite puts content hashes in asset names: those may be cached for good.
                cache = "public, max-age=31536000, immutable" if "/assets/" in path else "no-cache"
                self._send(200, target.read_bytes(), kind, cache)
                return
            if Path(path).suffix and not path.endswith(".html"):
                self._send(404, b"not found", "text/plain", "no-store")
                return
            self._send(200, index.read_bytes(), "text/html; charset=utf-8", "no-cache")

    return Handler


def serve(settings: Settings) -> None:
    # Locally the browser reaches S3 (presigned uploads and photos) at moto's endpoint.
    handler = make_handler(settings.web_dist, settings.api_url, settings.moto_url)
    server = ThreadingHTTPServer((settings.host, settings.web_port), handler)
    server.daemon_threads = True
    log.info("SPA %s on %s (API %s)", settings.web_dist, settings.web_url, settings.api_url)
    server.serve_forever()
