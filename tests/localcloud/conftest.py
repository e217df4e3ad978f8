"""Fixtures of the local-cloud tests: a real mosquitto, an in-process moto server, settings."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from moto.server import ThreadedMotoServer

from infra.localcloud import mosquitto
from infra.localcloud.ca import CaFiles, ensure_ca, issue_client_files
from infra.localcloud.mqtt import connect_and_wait, make_client
from infra.localcloud.netwait import free_port, wait_for_port
from infra.localcloud.settings import CLOUD_CLIENT_CN, REPO_ROOT, Settings

FIXTURE_APP = REPO_ROOT / "tests" / "localcloud" / "fixtures" / "app"


def make_settings(state_dir: Path, functions_dir: Path = FIXTURE_APP) -> Settings:
    return Settings.from_env().on_free_ports(state_dir=state_dir, functions_dir=functions_dir)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "state")


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CaFiles:
    return ensure_ca(tmp_path_factory.mktemp("ca"))


@dataclass
class Broker:
    """A real mosquitto with the local cloud's configuration, on a free port."""

    settings: Settings
    ca: CaFiles
    conf: Path
    process: subprocess.Popen[bytes] | None = None
    clients: list[mqtt.Client] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.settings.mqtt_port

    def start(self) -> None:
        """The broker process of the local cloud: mosquitto behind its TLS gate."""
        log = (self.settings.state_dir / "mosquitto.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.localcloud", "broker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.settings.process_env(),
            cwd=str(REPO_ROOT),
        )
        log.close()
        wait_for_port("127.0.0.1", self.port, timeout=15)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                wait_for_port("127.0.0.1", self.port, timeout=0.1)
            except TimeoutError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, cn: str | None, client_id: str | None = None) -> mqtt.Client:
        """A connected client with a certificate for ``cn`` (None: no certificate at all)."""
        cert = key = None
        if cn is not None:
            cert, key = issue_client_files(self.ca, cn, self.settings.state_dir / "clients")
        if client_id is None:  # a frame's client id is its CN; the cloud's clients are many
            client_id = f"{cn}-{time.monotonic_ns()}" if cn in (None, CLOUD_CLIENT_CN) else cn
        client = make_client(client_id, self.ca.ca_cert, cert, key)
        self.clients.append(client)
        connect_and_wait(client, "127.0.0.1", self.port, timeout=5 if cn else 2)
        return client


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if not Path(mosquitto.MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    settings = make_settings(tmp_path / "state")
    settings.state_dir.mkdir(parents=True)
    ca = ensure_ca(settings.ca_dir)
    conf = mosquitto.write_config(settings)
    broker = Broker(settings, ca, conf)
    broker.start()
    try:
        yield broker
    finally:
        for client in broker.clients:
            client.disconnect()
            client.loop_stop()
        broker.stop()


class Inbox:
    """Collects the messages a paho client receives."""

    def __init__(self, client: mqtt.Client) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self.event = threading.Condition()
        client.on_message = self._on_message

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self.event:
            self.messages.append(message)
            self.event.notify_all()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[mqtt.MQTTMessage]:
        with self.event:
            self.event.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


def subscribe(client: mqtt.Client, topic: str, qos: int = 1, timeout: float = 5.0) -> list[int]:
    """Subscribe and return the SUBACK reason codes (values >= 0x80 are failures)."""
    done = threading.Event()
    codes: list[int] = []

    def on_subscribe(c, userdata, mid, reason_codes, properties):
        codes.extend(rc.value for rc in reason_codes)
        done.set()

    client.on_subscribe = on_subscribe
    client.subscribe(topic, qos=qos)
    assert done.wait(timeout), "no SUBACK"
    return codes


def reset_moto(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # In-process moto servers share one set of backends: start every test from nothing.
    reset_moto(endpoint)
    try:
        yield endpoint
    finally:
        server.stop()
