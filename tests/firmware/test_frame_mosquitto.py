"""The real awsiotsdk transport against a real mosquitto with mutual TLS and a per-frame ACL.

Skipped where mosquitto is not installed. The broker is configured like the local cloud's
(require_certificate, use_identity_as_username, pattern ACL, 128 KB max packet).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from awscrt import mqtt5
from awsiot import mqtt5_client_builder
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image, ImageChops

from tests.firmware.frame_fakes import (
    FRAME_ID,
    DeviceCA,
    FakePairingApi,
    FileServer,
    desired,
    encode,
    item,
    png_bytes,
    serve_pairing,
    sha,
)
from tests.firmware.test_frame_app import Running, make_config, wait_for

pytestmark = pytest.mark.skipif(shutil.which("mosquitto") is None, reason="needs mosquitto")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_key_and_cert(ca: DeviceCA, directory: Path, name: str, cn: str, server: bool) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    sans = ["127.0.0.1", "localhost"] if server else None
    (directory / f"{name}.crt").write_text(ca.issue(key.public_key(), cn, server=server, sans=sans))


@dataclass
class Broker:
    port: int
    ca: DeviceCA
    dir: Path


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    ca = DeviceCA()
    d = tmp_path / "broker"
    d.mkdir()
    (d / "ca.crt").write_text(ca.pem)
    write_key_and_cert(ca, d, "server", "localhost", True)
    write_key_and_cert(ca, d, "backend", "backend", False)
    (d / "acl").write_text(
        "user backend\ntopic readwrite shareframe/#\n\npattern readwrite shareframe/frames/%u/#\n"
    )
    port = free_port()
    (d / "mosquitto.conf").write_text(
        f"user root\nper_listener_settings false\npersistence false\n"
        f"max_packet_size 132096\nacl_file {d / 'acl'}\n"
        f"listener {port} 127.0.0.1\ncafile {d / 'ca.crt'}\ncertfile {d / 'server.crt'}\n"
        f"keyfile {d / 'server.key'}\nrequire_certificate true\nuse_identity_as_username true\n"
        "log_type error\nlog_type warning\nlog_dest stderr\n"
    )
    log = (d / "mosquitto.log").open("wb")
    proc = subprocess.Popen(["mosquitto", "-c", str(d / "mosquitto.conf")], stderr=log)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield Broker(port, ca, d)
    finally:
        proc.terminate()
        proc.wait(5)
        log.close()


class Backend:
    """The cloud side: publishes desired state, watches status and events."""

    def __init__(self, broker: Broker) -> None:
        self.received: list[tuple[str, dict[str, Any], bool]] = []
        self.connected = threading.Event()
        d = broker.dir
        self.client = mqtt5_client_builder.mtls_from_path(
            endpoint="127.0.0.1",
            port=broker.port,
            cert_filepath=str(d / "backend.crt"),
            pri_key_filepath=str(d / "backend.key"),
            ca_filepath=str(d / "ca.crt"),
            client_id="backend-test",
            keep_alive_interval_sec=60,
            enable_metrics_collection=False,
            on_publish_received=self._received,
            on_lifecycle_connection_success=lambda _: self.connected.set(),
        )
        self.client.start()
        assert self.connected.wait(5)
        sub = mqtt5.SubscribePacket(
            subscriptions=[
                mqtt5.Subscription(
                    topic_filter="shareframe/frames/+/status", qos=mqtt5.QoS.AT_LEAST_ONCE
                ),
                mqtt5.Subscription(
                    topic_filter="shareframe/frames/+/events", qos=mqtt5.QoS.AT_LEAST_ONCE
                ),
            ]
        )
        self.client.subscribe(sub).result(5)

    def _received(self, data: Any) -> None:
        p = data.publish_packet
        self.received.append((p.topic, json.loads(p.payload), bool(p.retain)))

    def publish_desired(self, message: dict[str, Any]) -> None:
        future: Future[Any] = self.client.publish(
            mqtt5.PublishPacket(
                topic=f"shareframe/frames/{FRAME_ID}/desired",
                payload=encode(message),
                qos=mqtt5.QoS.AT_LEAST_ONCE,
                retain=True,
            )
        )
        future.result(5)

    def events(self) -> list[dict[str, Any]]:
        return [m for t, m, _ in self.received if t.endswith("/events")]

    def statuses(self) -> list[dict[str, Any]]:
        return [m for t, m, _ in self.received if t.endswith("/status")]

    def stop(self) -> None:
        self.client.stop()


def test_the_frame_pairs_connects_over_mtls_and_shows_a_photo(
    tmp_path: Path, broker: Broker, file_server: FileServer
) -> None:
    api = FakePairingApi(ca=broker.ca, mqtt_port=broker.port)
    data = png_bytes(colour=(20, 90, 200))
    file_server.files["/files/shr_a.png"] = data
    with serve_pairing(api):
        backend = Backend(broker)
        # Retained before the frame even exists: it must get it on its first subscribe.
        backend.publish_desired(desired(1, [item("shr_a", data, file_server.url)]))
        frame = Running(make_config(tmp_path, api.url), cloud=None)
        try:
            code = wait_for(lambda: frame.screen().get("pairingCode"))
            api.claim(code)
            wait_for(lambda: frame.screen().get("shareId") == "shr_a", timeout=20)
            shown = Image.open(frame.app.config.state_dir / "screen.png")
            expected = Image.open(frame.app.store.file_path(sha(data))).convert("RGB")
            assert ImageChops.difference(shown, expected).getbbox() is None
            wait_for(lambda: {"delivered", "displayed"} <= {e["type"] for e in backend.events()})
            wait_for(lambda: any(s.get("showing") == "shr_a" for s in backend.statuses()))
            assert all(s.get("online") for s in backend.statuses())
        finally:
            elapsed = frame.stop()
            assert elapsed < 5
        wait_for(lambda: backend.statuses()[-1].get("online") is False)
        backend.stop()
