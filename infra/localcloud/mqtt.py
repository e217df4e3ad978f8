"""paho-mqtt clients with mutual TLS, as the cloud (or any CN) talks to the local broker."""

from __future__ import annotations

import ssl
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode


def make_client(
    client_id: str,
    ca_cert: Path,
    cert: Path | None,
    key: Path | None,
) -> mqtt.Client:
    """An MQTT 5 client over TLS 1.2 trusting ``ca_cert`` and presenting ``cert``/``key``."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
    )
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_cert))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert is not None and key is not None:
        context.load_cert_chain(str(cert), str(key))
    client.tls_set_context(context)
    client.reconnect_delay_set(min_delay=1, max_delay=5)
    return client


def make_local_client(client_id: str) -> mqtt.Client:
    """An MQTT 5 client for mosquitto's private unix socket (no TLS: the socket is the trust)."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        transport="unix",
    )
    client.reconnect_delay_set(min_delay=1, max_delay=5)
    return client


def connect_and_wait(
    client: mqtt.Client, host: str, port: int, timeout: float = 10.0, *, clean_start: bool = True
) -> None:
    """Connect, start the network loop and block until the broker accepts (or raise)."""
    connected = threading.Event()
    failure: list[str] = []
    previous: Any = client.on_connect

    def on_connect(
        c: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            failure.append(str(reason))
        connected.set()
        if previous is not None:
            previous(c, userdata, flags, reason, properties)

    client.on_connect = on_connect
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0 if clean_start else 86400
    client.connect(host, port, keepalive=30, clean_start=clean_start, properties=props)
    client.loop_start()
    if not connected.wait(timeout):
        client.loop_stop()
        raise TimeoutError(f"MQTT connect to {host}:{port} timed out")
    client.on_connect = previous
    if failure:
        client.loop_stop()
        raise ConnectionError(f"MQTT connect refused: {failure[0]}")
