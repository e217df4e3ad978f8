"""IoT Core's lifecycle events, made from mosquitto's own log.

AWS IoT Core publishes ``$aws/events/presence/connected/<clientId>`` and
``$aws/events/presence/disconnected/<clientId>`` whenever a client connects or goes away
(cleanly, by keep-alive timeout, or because its socket died). mosquitto has no such events, but
with ``log_dest topic`` it publishes its own log lines on ``$SYS/broker/log/<severity>``. This
module subscribes to those lines and publishes the same lifecycle events, with IoT Core's JSON
fields, so the template's presence rule runs locally exactly as in AWS.

Log lines arrive in the broker's order over one subscription; ``versionNumber`` and
``timestamp`` (milliseconds, strictly increasing per client here) let the consumer drop a late
event, as it must with IoT Core, which does not guarantee order.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from infra.localcloud.ca import CaFiles
from infra.localcloud.mqtt import connect_and_wait, make_client
from infra.localcloud.settings import ACCOUNT_ID, Settings

log = logging.getLogger(__name__)

PRESENCE_CLIENT_ID = "shareframe-cloud-presence"
LOG_TOPIC = "$SYS/broker/log/#"

# mosquitto 2.0 log lines (after the "<epoch>: " prefix that log_timestamp adds).
_CONNECTED = re.compile(r"New client connected from (?P<ip>\S+?):\d+ as (?P<client>\S+) \(")
_DISCONNECTED = [
    (re.compile(r"^Client (?P<client>\S+) disconnected\.?$"), "CLIENT_INITIATED_DISCONNECT"),
    (re.compile(r"^Client (?P<client>\S+) closed its connection\.?$"), "CONNECTION_LOST"),
    (
        re.compile(r"^Client (?P<client>\S+) has exceeded timeout, disconnecting\.?$"),
        "MQTT_KEEP_ALIVE_TIMEOUT",
    ),
    (
        re.compile(r"^Socket error on client (?P<client>\S+), disconnecting\.?$"),
        "CONNECTION_LOST",
    ),
    (
        re.compile(r"^Client (?P<client>\S+) already connected, closing old connection\.?$"),
        "DUPLICATE_CLIENTID",
    ),
]


@dataclass(frozen=True)
class Lifecycle:
    client_id: str
    event_type: str  # "connected" | "disconnected"
    ip_address: str | None = None
    disconnect_reason: str | None = None


def parse_log_line(line: str) -> Lifecycle | None:
    """The lifecycle event a mosquitto log line reports, if any."""
    text = line.split(": ", 1)[1] if re.match(r"^\d+: ", line) else line
    text = text.strip()
    if match := _CONNECTED.search(text):
        return Lifecycle(match["client"], "connected", ip_address=match["ip"])
    for pattern, reason in _DISCONNECTED:
        if match := pattern.match(text):
            return Lifecycle(match["client"], "disconnected", disconnect_reason=reason)
    return None


class PresenceEmitter:
    """Turns the broker's log lines into ``$aws/events/presence/...`` publishes."""

    def __init__(self, settings: Settings, ca: CaFiles) -> None:
        self.settings = settings
        self.client = make_client(PRESENCE_CLIENT_ID, ca.ca_cert, ca.cloud_cert, ca.cloud_key)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self._versions: dict[str, int] = {}
        self._last_ms = 0

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if not reason.is_failure:
            client.subscribe(LOG_TOPIC, qos=0)
            self.subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        event = parse_log_line(message.payload.decode(errors="replace"))
        if event is None or event.client_id == PRESENCE_CLIENT_ID:
            return
        topic, payload = self.event_message(event)
        client.publish(topic, json.dumps(payload), qos=1)

    def event_message(self, event: Lifecycle) -> tuple[str, dict[str, object]]:
        """IoT Core's topic and payload for ``event``."""
        now_ms = max(int(time.time() * 1000), self._last_ms + 1)
        self._last_ms = now_ms
        version = self._versions.get(event.client_id, 0)
        if event.event_type == "connected":
            version += 1
            self._versions[event.client_id] = version
        payload: dict[str, object] = {
            "clientId": event.client_id,
            "timestamp": now_ms,
            "eventType": event.event_type,
            "sessionIdentifier": f"{event.client_id}-{version}",
            "principalIdentifier": f"{ACCOUNT_ID}/{event.client_id}",
            "versionNumber": version,
        }
        if event.ip_address:
            payload["ipAddress"] = event.ip_address
        if event.disconnect_reason:
            payload["clientInitiatedDisconnect"] = (
                event.disconnect_reason == "CLIENT_INITIATED_DISCONNECT"
            )
            payload["disconnectReason"] = event.disconnect_reason
        return f"$aws/events/presence/{event.event_type}/{event.client_id}", payload

    def start(self) -> None:
        connect_and_wait(self.client, self.settings.host, self.settings.mqtt_port)
        self.subscribed.wait(10)
        log.info("presence events from the broker's log")

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
