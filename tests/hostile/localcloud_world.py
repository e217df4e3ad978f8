"""Helpers of the hostile tests that drive the real local cloud."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from tests.e2e.journeys import Person, wait_for
from tests.e2e.stack import LocalCloudStack
from tests.integration.conftest import frame_csr

PANEL = "waveshare_7in5_v2"


def pair_headless(person: Person, name: str) -> str:
    """Pair a frame over the API with a fresh CSR and no frame process: its id, for MQTT as it."""
    session = person.request(
        "POST", "/pairing", {"csr": frame_csr(), "panel": PANEL, "firmware": "0.1.0"}, 201
    )
    frame = person.request("POST", "/frames", {"code": session["code"], "name": name}, 201)
    return str(frame["frameId"])


def topic(frame_id: str, kind: str) -> str:
    return f"shareframe/frames/{frame_id}/{kind}"


def receipt(share_id: str, kind: str = "displayed", **extra: Any) -> bytes:
    body = {"type": kind, "eventId": str(uuid.uuid4()), "shareId": share_id, **extra}
    body.setdefault("at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return json.dumps(body).encode()


@dataclass
class Inbox:
    """Every message a client receives, by topic."""

    messages: list[tuple[str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: mqtt.Client) -> Inbox:
        def on_message(c: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
            with self.lock:
                self.messages.append((message.topic, bytes(message.payload)))

        client.on_message = on_message
        return self

    def on(self, name: str) -> list[bytes]:
        with self.lock:
            return [p for t, p in self.messages if t == name]


def delivery_state(person: Person, share_id: str, frame_id: str) -> str:
    return str(person.share_state(share_id, frame_id)["state"])


def wait_state(
    person: Person, share_id: str, frame_id: str, state: str, timeout: float = 30
) -> None:
    wait_for(
        lambda: delivery_state(person, share_id, frame_id) == state,
        timeout=timeout,
        what=f"{share_id} on {frame_id} {state}",
    )


class RuntimeLog:
    """The event runtime's invocation records (JSON lines in the stack's log) from now on."""

    def __init__(self, cloud: LocalCloudStack) -> None:
        self.cloud = cloud
        self.offset = cloud.log_path.stat().st_size

    def records(self) -> list[dict[str, Any]]:
        with self.cloud.log_path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode(errors="replace")
        found = []
        for line in text.splitlines():
            start = line.find('{"kind"')
            if start < 0:
                start = line.find("{")
            if start < 0 or '"ok"' not in line:
                continue
            try:
                found.append(json.loads(line[start:]))
            except ValueError:
                continue
        return found

    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("ok") is False]
