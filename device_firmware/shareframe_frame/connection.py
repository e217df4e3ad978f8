"""MQTT 5 over mutual TLS to the broker (AWS IoT Core, or mosquitto in the local cloud).

The rest of the frame talks to a :class:`Transport`; :class:`MqttTransport` is the awsiotsdk
one, and tests use a fake. Callbacks arrive on the CRT's event-loop thread: they must return
quickly, so the app only hands messages to a queue there.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol

from shareframe_frame.store import Credentials

log = logging.getLogger(__name__)

SESSION_EXPIRY_SECONDS = 7 * 86400
MIN_RECONNECT_MS = 1_000
MAX_RECONNECT_MS = 300_000
MAX_MESSAGE_BYTES = 128 * 1024
# CONNACK reason codes that mean "your certificate/identity is not accepted".
REJECTED_CONNACK_CODES = frozenset({134, 135, 138})

MessageHandler = Callable[[str, bytes], None]
ConnectionHandler = Callable[[bool, bool], None]  # (connected, rejected)


@dataclass(frozen=True)
class Topics:
    desired: str
    status: str
    events: str


def topics_for(frame_id: str) -> Topics:
    base = f"shareframe/frames/{frame_id}"
    return Topics(desired=f"{base}/desired", status=f"{base}/status", events=f"{base}/events")


OFFLINE_STATUS = json.dumps({"online": False}, separators=(",", ":")).encode()


class Transport(Protocol):
    """What the frame needs from an MQTT client."""

    @property
    def connected(self) -> bool: ...

    def start(self) -> None: ...

    def publish(
        self, topic: str, payload: bytes, qos: int, retain: bool, timeout: float = 10.0
    ) -> bool:
        """Send and, for QoS 1, wait for a successful PUBACK. False on any failure."""
        ...

    def stop(self, timeout: float = 2.0) -> None: ...


class MqttTransport:
    """awsiotsdk MQTT5 client with the frame's session, will and reconnect policy."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        keep_alive_seconds: int,
        on_message: MessageHandler,
        on_connection_change: ConnectionHandler,
    ) -> None:
        self._credentials = credentials
        self._keep_alive = keep_alive_seconds
        self._on_message = on_message
        self._on_connection_change = on_connection_change
        self._topics = topics_for(credentials.frame_id)
        self._connected = threading.Event()
        self._stopped = threading.Event()
        self._client: Any = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def _build(self) -> Any:
        from awscrt import mqtt5
        from awsiot import mqtt5_client_builder

        will = mqtt5.PublishPacket(
            topic=self._topics.status,
            payload=OFFLINE_STATUS,
            qos=mqtt5.QoS.AT_LEAST_ONCE,
            retain=True,
        )
        c = self._credentials
        return mqtt5_client_builder.mtls_from_path(
            endpoint=c.mqtt_host,
            port=c.mqtt_port,
            cert_filepath=str(c.certificate_path),
            pri_key_filepath=str(c.private_key_path),
            ca_filepath=str(c.server_ca_path),
            client_id=c.frame_id,
            session_behavior=mqtt5.ClientSessionBehaviorType.REJOIN_ALWAYS,
            session_expiry_interval_sec=SESSION_EXPIRY_SECONDS,
            keep_alive_interval_sec=self._keep_alive,
            will=will,
            enable_metrics_collection=False,
            # The CRT offers full or decorrelated jitter, not the protocol's ±50 %;
            # decorrelated keeps delays between the minimum and ~3x the previous delay.
            retry_jitter_mode=mqtt5.ExponentialBackoffJitterMode.DECORRELATED,
            min_reconnect_delay_ms=MIN_RECONNECT_MS,
            max_reconnect_delay_ms=MAX_RECONNECT_MS,
            maximum_packet_size=MAX_MESSAGE_BYTES + 1024,
            on_publish_received=self._publish_received,
            on_lifecycle_connection_success=self._connection_success,
            on_lifecycle_connection_failure=self._connection_failure,
            on_lifecycle_disconnection=self._disconnection,
            on_lifecycle_stopped=self._lifecycle_stopped,
        )

    def start(self) -> None:
        self._client = self._build()
        log.info(
            "mqtt connecting",
            extra={"host": self._credentials.mqtt_host, "port": self._credentials.mqtt_port},
        )
        self._client.start()

    # -- CRT callbacks (event-loop thread: keep them short) -----------------------------
    def _publish_received(self, data: Any) -> None:
        packet = data.publish_packet
        payload = packet.payload
        if isinstance(payload, str):
            payload = payload.encode()
        try:
            self._on_message(packet.topic, bytes(payload or b""))
        except Exception:
            log.exception("message handler failed")

    def _connection_success(self, data: Any) -> None:
        from awscrt import mqtt5

        session_present = bool(getattr(data.connack_packet, "session_present", False))
        log.info("mqtt connected", extra={"sessionPresent": session_present})
        self._connected.set()
        subscribe = mqtt5.SubscribePacket(
            subscriptions=[
                mqtt5.Subscription(topic_filter=self._topics.desired, qos=mqtt5.QoS.AT_LEAST_ONCE)
            ]
        )
        future = self._client.subscribe(subscribe)
        future.add_done_callback(self._subscribed)
        self._on_connection_change(True, False)

    def _subscribed(self, future: Future[Any]) -> None:
        try:
            suback = future.result()
        except Exception as exc:
            log.warning("subscribe failed", extra={"error": str(exc)})
            return
        codes = [int(c) if c is not None else -1 for c in (suback.reason_codes or [])]
        if not codes or any(c < 0 or c >= 128 for c in codes):
            log.warning("subscribe refused by broker", extra={"reasonCodes": codes})
        else:
            log.info("subscribed to desired state", extra={"reasonCodes": codes})

    def _connection_failure(self, data: Any) -> None:
        connack = getattr(data, "connack_packet", None)
        code = getattr(connack, "reason_code", None) if connack is not None else None
        error = str(getattr(data, "exception", "") or "")
        # A refused client certificate shows up as a CONNACK refusal (IoT Core) or, with
        # TLS 1.3, as a TLS read failure right after the handshake (mosquitto).
        rejected = (code is not None and int(code) in REJECTED_CONNACK_CODES) or error.startswith(
            "AWS_IO_TLS_"
        )
        log.warning(
            "mqtt connection failed",
            extra={"reasonCode": None if code is None else int(code), "error": error},
        )
        self._connected.clear()
        self._on_connection_change(False, rejected)

    def _disconnection(self, data: Any) -> None:
        error = str(getattr(data, "exception", "") or "")
        log.warning("mqtt disconnected", extra={"error": error})
        self._connected.clear()
        self._on_connection_change(False, False)

    def _lifecycle_stopped(self, data: Any) -> None:
        self._connected.clear()
        self._stopped.set()

    # -- operations ---------------------------------------------------------------------
    def publish(
        self, topic: str, payload: bytes, qos: int, retain: bool, timeout: float = 10.0
    ) -> bool:
        from awscrt import mqtt5

        if self._client is None or not self.connected:
            return False
        packet = mqtt5.PublishPacket(
            topic=topic, payload=payload, qos=mqtt5.QoS(qos), retain=retain
        )
        try:
            result = self._client.publish(packet).result(timeout=timeout)
        except (FutureTimeout, Exception) as exc:
            log.warning("publish failed", extra={"topic": topic, "error": str(exc)})
            return False
        puback = getattr(result, "puback", None)
        code = getattr(puback, "reason_code", None)
        if qos and code is not None and int(code) >= 128:
            log.warning("publish refused", extra={"topic": topic, "reasonCode": int(code)})
            return False
        return True

    def stop(self, timeout: float = 2.0) -> None:
        if self._client is None:
            return
        try:
            self._client.stop()
        except Exception:
            log.exception("mqtt stop failed")
        self._stopped.wait(timeout)
        self._connected.clear()
