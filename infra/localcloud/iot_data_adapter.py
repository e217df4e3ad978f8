"""The AWS IoT data plane (``iot-data``) over HTTP, forwarding to mosquitto.

boto3 follows ``AWS_ENDPOINT_URL_IOT_DATA``, so the unchanged backend's
``client("iot-data").publish(topic=..., qos=1, retain=True, payload=...)`` lands here and is
published to mosquitto as ``shareframe-cloud``. Implements ``Publish``
(``POST /topics/{topic}``) and ``GetRetainedMessage`` (``GET /retainedMessage/{topic}``) as
botocore's service model describes them; errors are rest-json like AWS's.

The adapter is the local IoT Core's data plane, a part of the broker, so it talks to mosquitto
on the broker's private unix socket (``mosquitto.broker_socket``) rather than through the TLS
gate the frames use: the gate's checks are for device certificates and let the cloud's identity
do anything. Skipping it saves a TLS hop and two of the four packets the gate relayed per
publish (the PUBLISH in, its PUBACK out): 40 % of the gate's CPU in a fan-out (docs/quality.md).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as mqtt

from infra.localcloud.mosquitto import broker_socket
from infra.localcloud.mqtt import connect_and_wait, make_local_client
from infra.localcloud.settings import CLOUD_CLIENT_CN, Settings

log = logging.getLogger(__name__)

MAX_PAYLOAD = 128 * 1024
PUBLISH_TIMEOUT = 10.0


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class BrokerLink:
    """One long-lived MQTT connection as ``shareframe-cloud``; paho reconnects it."""

    def __init__(self, settings: Settings) -> None:
        self.socket = broker_socket(settings)
        self.client = self._client("iot-data")
        self.client.max_queued_messages_set(1000)
        # Concurrent publish requests each wait for their PUBACK: let many be in flight at once
        # (paho allows 20 by default, which made the adapter the bottleneck of a fan-out).
        self.client.max_inflight_messages_set(200)

    def start(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                self._connect(self.client)
                return
            except (OSError, TimeoutError) as error:
                self.client.loop_stop()
                if time.monotonic() > deadline:
                    raise
                log.info("waiting for the broker: %s", error)
                time.sleep(0.5)

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        deadline = time.monotonic() + PUBLISH_TIMEOUT
        while not self.client.is_connected():
            if time.monotonic() > deadline:
                raise ApiError(503, "ServiceUnavailableException", "broker not reachable")
            time.sleep(0.05)
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if qos == 0:
            return
        remaining = max(0.1, deadline - time.monotonic())
        try:
            info.wait_for_publish(timeout=remaining)
        except (RuntimeError, ValueError) as error:
            raise ApiError(503, "ServiceUnavailableException", str(error)) from error
        if not info.is_published():
            raise ApiError(503, "ServiceUnavailableException", "no PUBACK from the broker")

    def retained(self, topic: str, timeout: float = 1.0) -> tuple[bytes, int] | None:
        """The retained message on ``topic``, read with a short-lived subscription."""
        got: list[mqtt.MQTTMessage] = []
        done = threading.Event()
        client = self._client("retained")

        def on_message(c: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
            if message.retain:
                got.append(message)
            done.set()

        client.on_message = on_message
        try:
            self._connect(client)
            client.subscribe(topic, qos=1)
            done.wait(timeout)
        finally:
            client.disconnect()
            client.loop_stop()
        if not got:
            return None
        return bytes(got[0].payload), got[0].qos

    @staticmethod
    def _client(purpose: str) -> mqtt.Client:
        client = make_local_client(f"{CLOUD_CLIENT_CN}-{purpose}-{uuid.uuid4().hex[:8]}")
        client.username_pw_set(CLOUD_CLIENT_CN)  # mosquitto's ACL names the cloud by username
        return client

    def _connect(self, client: mqtt.Client) -> None:
        connect_and_wait(client, str(self.socket), 1883)  # paho ignores a unix socket's port


def _topic(path: str, prefix: str) -> str:
    topic = unquote(path[len(prefix) :])
    if not topic or "+" in topic or "#" in topic or len(topic.encode()) > 256:
        raise ApiError(400, "InvalidRequestException", f"invalid topic {topic!r}")
    return topic


def make_handler(link: BrokerLink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "shareframe-iot-data"
        protocol_version = "HTTP/1.1"
        # The headers and the body go out as two writes: with Nagle's algorithm on, the body
        # waits for the client's delayed ACK of the headers (~40 ms a request).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

        def _send(self, status: int, body: dict[str, Any], error_code: str | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if error_code:
                self.send_header("x-amzn-ErrorType", error_code)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, error: ApiError) -> None:
            self._send(error.status, {"message": error.message}, error.code)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else b""
            try:
                if not url.path.startswith("/topics/"):
                    raise ApiError(404, "MethodNotAllowedException", "unknown operation")
                topic = _topic(url.path, "/topics/")
                query = parse_qs(url.query)
                qos_text = query.get("qos", ["0"])[0]
                retain_text = query.get("retain", ["false"])[0].lower()
                if qos_text not in ("0", "1") or retain_text not in ("true", "false"):
                    raise ApiError(400, "InvalidRequestException", "qos must be 0|1, retain bool")
                if len(payload) > MAX_PAYLOAD:
                    raise ApiError(413, "RequestEntityTooLargeException", "payload over 128 KB")
                started = time.monotonic()
                link.publish(topic, payload, int(qos_text), retain_text == "true")
                log.info(
                    json.dumps(
                        {
                            "kind": "iot-data.publish",
                            "topic": topic,
                            "bytes": len(payload),
                            "qos": int(qos_text),
                            "retain": retain_text == "true",
                            "duration_ms": round((time.monotonic() - started) * 1000, 1),
                        }
                    )
                )
                self._send(200, {})
            except ApiError as error:
                self._error(error)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            try:
                if not url.path.startswith("/retainedMessage/"):
                    raise ApiError(404, "MethodNotAllowedException", "unknown operation")
                topic = _topic(url.path, "/retainedMessage/")
                found = link.retained(topic)
                if found is None:
                    raise ApiError(
                        404, "ResourceNotFoundException", f"no retained message on {topic}"
                    )
                payload, qos = found
                self._send(
                    200,
                    {
                        "topic": topic,
                        "payload": base64.b64encode(payload).decode(),
                        "qos": qos,
                        "lastModifiedTime": int(time.time() * 1000),
                    },
                )
            except ApiError as error:
                self._error(error)

    return Handler


def serve(settings: Settings) -> None:
    """Run the adapter until killed."""
    link = BrokerLink(settings)
    link.start()
    server = ThreadingHTTPServer((settings.host, settings.iot_data_port), make_handler(link))
    server.daemon_threads = True
    log.info("iot-data adapter on %s -> mosquitto at %s", settings.iot_data_url, link.socket)
    server.serve_forever()
