"""``chalice local`` itself, with its log lines as JSON like every other local-cloud process.

chalice's dev server prints ``Serving on …`` and one Apache-style line per request on stderr;
here both go through the process's JSON log handler (:mod:`infra.localcloud.logs`). Nothing
else changes: the same Chalice CLI builds and runs the same server.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from chalice import local
from chalice.cli import main as chalice_main

from infra.localcloud import logs
from infra.localcloud.settings import Settings

log = logging.getLogger("chalice.local")


def _request_line(handler: Any, format: str, *args: Any) -> None:
    log.log(_level(args), format, *args, extra={"client": handler.address_string()})


def _level(args: tuple[Any, ...]) -> int:
    """A frame waiting to be claimed polls every few seconds: its successful polls log at DEBUG
    so they do not scroll ``make run``'s URLs and banner away (failed ones still show)."""
    if len(args) == 3:  # BaseHTTPRequestHandler.log_request: (request line, code, size)
        line, code = str(args[0]), str(args[1])
        if line.startswith("POST /pairing/") and line.split(" ")[1].endswith("/poll"):
            return logging.DEBUG if code.startswith("2") else logging.INFO
    return logging.INFO


def _serve_forever(server: Any) -> None:
    log.info("serving", extra={"url": f"http://{server.host}:{server.port}"})
    server.server.serve_forever()


def serve(settings: Settings) -> None:
    logs.configure()  # chalice's own logging.basicConfig is then a no-op
    local.ChaliceRequestHandler.log_message = _request_line
    local.LocalDevServer.serve_forever = _serve_forever  # type: ignore[method-assign,assignment]
    sys.argv = [
        "chalice",
        "--project-dir",
        str(settings.functions_dir),
        "local",
        "--no-autoreload",
        "--stage",
        "local",
        "--host",
        settings.host,
        "--port",
        str(settings.api_port),
    ]
    chalice_main()
