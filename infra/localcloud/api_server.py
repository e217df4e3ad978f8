"""``chalice local`` itself, with its log lines as JSON like every other local-cloud process.

chalice's dev server prints ``Serving on …`` and one Apache-style line per request on stderr;
here both go through the process's JSON log handler (:mod:`infra.localcloud.logs`). Nothing
else changes: the same Chalice CLI builds and runs the same server.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from chalice import local
from chalice.cli import main as chalice_main

from infra.localcloud import call_tally, logs
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


def _count_calls_per_request(settings: Settings) -> None:
    """``SHAREFRAME_CALL_TALLY=1`` (the load test): AWS calls per request, as a response header
    and per route in a file (infra/localcloud/call_tally.py).

    The event's ``sourceIp`` is then also the client's real address, as API Gateway gives it
    (chalice local says 127.0.0.1 for everyone): the load test's simulated people come from
    their own loopback addresses, so per-address limits apply to each as they would in AWS.
    """
    call_tally.install()
    handle = local.ChaliceRequestHandler._generic_handle
    send_headers = local.ChaliceRequestHandler._send_headers
    create_event = local.LambdaEventConverter.create_lambda_event

    client = threading.local()

    def tallied_handle(self: Any) -> None:
        client.address = self.client_address[0]
        with call_tally.tallying(f"{self.command} (no route)"):
            handle(self)

    def event_with_route(self: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        event = create_event(self, method, path, *args, **kwargs)
        event["requestContext"]["identity"]["sourceIp"] = getattr(client, "address", "127.0.0.1")
        call_tally.name_current(f"{method} {event['requestContext']['resourcePath']}")
        return event

    def headers_with_calls(self: Any, headers: Any) -> None:
        tally = call_tally.current()
        if tally is not None:
            headers[call_tally.HEADER] = call_tally.header_value(tally)
        send_headers(self, headers)

    # do_GET, do_POST, ... are the same function as _generic_handle (chalice/local.py)
    for verb in ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"):
        setattr(local.ChaliceRequestHandler, f"do_{verb}", tallied_handle)
    local.ChaliceRequestHandler._send_headers = headers_with_calls  # type: ignore[method-assign]
    local.LambdaEventConverter.create_lambda_event = event_with_route  # type: ignore[method-assign]
    call_tally.start_writer(call_tally.tally_file(settings.state_dir, "api"))


def serve(settings: Settings) -> None:
    logs.configure()  # chalice's own logging.basicConfig is then a no-op
    if call_tally.enabled():
        _count_calls_per_request(settings)
    local.ChaliceRequestHandler.log_message = _request_line
    # chalice writes a response's headers and body apart: with Nagle's algorithm on, the body
    # of every keep-alive response waited for the client's delayed ACK (45 ms a request; 4 ms
    # on a fresh connection). API Gateway has no such stall.
    local.ChaliceRequestHandler.disable_nagle_algorithm = True
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
