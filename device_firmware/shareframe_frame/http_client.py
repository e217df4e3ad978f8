"""HTTP/1.1 requests through awscrt, the library that already carries the frame's MQTT.

    with open_url("https://bucket.s3.amazonaws.com/k?X-Amz-...", timeout=30) as response:
        response.status, response.headers["content-length"]
        while chunk := response.read():
            ...

Why not ``urllib``: ``urllib.request`` brings ``http.client``, ``email`` and ``ssl`` (which
maps OpenSSL's libssl and libcrypto), about 7 MB resident on a frame whose budget is 40 MB.
awscrt is resident anyway for MQTT and has its own HTTP client and TLS stack (s2n + aws-lc),
so a download costs no new libraries. TLS verifies the server's certificate and name against
the system's trust store (``ca_file`` replaces it, for tests with their own CA).

One connection per request, closed with the response. The body is flow-controlled: awscrt
receives at most ``WINDOW`` bytes ahead of what the caller has read, so a slow SD card never
buffers a whole file in memory. ``timeout`` bounds connecting, waiting for the headers and
each ``read()``. Redirects (301, 302, 303, 307, 308 to http or https) are followed for GET.
Like urllib, ``http_proxy``/``https_proxy`` (an ``http://`` proxy, with optional user and
password) and ``no_proxy`` are honoured: forwarding for http, a CONNECT tunnel for https.
"""

from __future__ import annotations

import io
import os
import queue
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urljoin, urlsplit

from awscrt import http as crt_http
from awscrt import io as crt_io

WINDOW = 256 * 1024
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_END = b""


class HttpError(Exception):
    """The exchange failed below HTTP: DNS, connect, TLS, reset, timeout, bad URL."""


@dataclass
class Response:
    """A response whose body is read in chunks; use it as a context manager."""

    status: int
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    _connection: crt_http.HttpClientConnection
    _stream: crt_http.HttpClientStream
    _chunks: queue.Queue[bytes | BaseException]
    _timeout: float
    _done: bool = field(default=False)

    def read(self) -> bytes:
        """The next chunk of the body, ``b""`` at its end. Raises HttpError."""
        if self._done:
            return _END
        try:
            item = self._chunks.get(timeout=self._timeout)
        except queue.Empty:
            self.close()
            raise HttpError(f"no data for {self._timeout:g} s") from None
        if isinstance(item, BaseException):
            self._done = True
            raise HttpError(str(item)) from item
        if not item:
            self._done = True
            return _END
        self._stream.update_window(len(item))
        return item

    def read_all(self, limit: int) -> bytes:
        """The whole body; HttpError if it is longer than ``limit`` bytes."""
        parts: list[bytes] = []
        size = 0
        while chunk := self.read():
            size += len(chunk)
            if size > limit:
                raise HttpError(f"response larger than {limit} bytes")
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        self._done = True
        self._connection.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_url(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30.0,
    ca_file: str | None = None,
) -> Response:
    """Send one request and return once the response's headers are in. Raises HttpError."""
    for _ in range(MAX_REDIRECTS + 1):
        response = _exchange(url, method, headers or {}, body, timeout, ca_file)
        location = response.headers.get("location")
        if response.status not in REDIRECTS or method != "GET" or not location:
            return response
        response.close()
        url = urljoin(url, location)
    raise HttpError(f"more than {MAX_REDIRECTS} redirects")


def _exchange(
    url: str,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    timeout: float,
    ca_file: str | None,
) -> Response:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise HttpError(f"bad URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise HttpError("only http(s) URLs with a host are fetched")
    secure = parts.scheme == "https"
    socket_options = crt_io.SocketOptions()
    socket_options.connect_timeout_ms = max(1, int(timeout * 1000))
    try:
        connecting = crt_http.HttpClientConnection.new(
            host_name=host,
            port=port or (443 if secure else 80),
            socket_options=socket_options,
            tls_connection_options=_tls_options(host, ca_file) if secure else None,
            proxy_options=_proxy_for(parts.scheme, host),
            manual_window_management=True,
            initial_window_size=WINDOW,
        )
    except Exception as exc:  # awscrt raises AwsCrtError
        raise HttpError(f"cannot connect to {host}: {exc}") from exc
    try:
        connection = connecting.result(timeout + 1)
    except FutureTimeout:
        # s2n delays reporting a failed handshake by 10-30 s ("blinding"): stop waiting, and
        # close the connection should it still be made.
        connecting.add_done_callback(_close_late_connection)
        raise HttpError(f"cannot connect to {host}: timed out") from None
    except Exception as exc:
        raise HttpError(f"cannot connect to {host}: {exc}") from exc

    request_headers = crt_http.HttpHeaders([("Host", parts.netloc.rsplit("@", 1)[-1])])
    for name, value in headers.items():
        request_headers.add(name, value)
    if body is not None:
        request_headers.add("Content-Length", str(len(body)))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = crt_http.HttpRequest(
        method, path, request_headers, io.BytesIO(body) if body is not None else None
    )
    chunks: queue.Queue[bytes | BaseException] = queue.Queue()
    head: list[tuple[int, list[tuple[str, str]]]] = []
    head_ready = threading.Event()

    def on_response(status_code: int, headers: list[tuple[str, str]], **_: object) -> None:
        head.append((status_code, headers))
        head_ready.set()

    def on_body(chunk: bytes, **_: object) -> None:
        if chunk:
            chunks.put(bytes(chunk))

    def on_complete(future: Future[int]) -> None:
        error = future.exception()
        chunks.put(error if error is not None else _END)
        head_ready.set()

    try:
        stream = connection.request(request, on_response, on_body)
        stream.completion_future.add_done_callback(on_complete)
        stream.activate()
    except Exception as exc:
        connection.close()
        raise HttpError(f"cannot send the request: {exc}") from exc
    if not head_ready.wait(timeout) or not head:
        connection.close()
        failure = stream.completion_future.exception() if stream.completion_future.done() else None
        raise HttpError(f"no response: {failure or f'timed out after {timeout:g} s'}")
    status, raw_headers = head[0]
    return Response(
        status,
        {name.lower(): value for name, value in raw_headers},
        connection,
        stream,
        chunks,
        timeout,
    )


def _close_late_connection(connecting: Future[crt_http.HttpClientConnection]) -> None:
    if not connecting.cancelled() and connecting.exception() is None:
        connecting.result().close()


def _proxy_for(scheme: str, host: str) -> crt_http.HttpProxyOptions | None:
    """The proxy the environment names for ``scheme``, unless ``no_proxy`` covers ``host``."""
    proxy = os.environ.get(f"{scheme}_proxy") or os.environ.get(f"{scheme.upper()}_PROXY")
    if not proxy or _bypassed(host):
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http" or not parts.hostname:
        raise HttpError(f"unsupported proxy {parts.scheme}://{parts.hostname}")
    basic = parts.username is not None
    return crt_http.HttpProxyOptions(
        parts.hostname,
        parts.port or 80,
        auth_type=(
            crt_http.HttpProxyAuthenticationType.Basic
            if basic
            else crt_http.HttpProxyAuthenticationType.Nothing
        ),
        auth_username=parts.username,
        auth_password=parts.password if basic else None,
        connection_type=(
            crt_http.HttpProxyConnectionType.Tunneling
            if scheme == "https"
            else crt_http.HttpProxyConnectionType.Forwarding
        ),
    )


def _bypassed(host: str) -> bool:
    """``no_proxy``: ``*``, or names and domain suffixes separated by commas (ports ignored)."""
    entries = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    host = host.lower().strip("[]")
    for entry in entries.split(","):
        name = entry.strip().lower().lstrip(".")
        name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
        if name == "*" or (name and (host == name or host.endswith("." + name))):
            return True
    return False


def _tls_options(host: str, ca_file: str | None) -> crt_io.TlsConnectionOptions:
    """Verify the peer (awscrt's default) against the system store or ``ca_file``."""
    options = crt_io.TlsContextOptions()
    if ca_file is not None:
        options.override_default_trust_store_from_path(ca_filepath=ca_file)
    connection_options = crt_io.ClientTlsContext(options).new_connection_options()
    connection_options.set_server_name(host)
    return connection_options
