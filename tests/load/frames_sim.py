"""Simulated frames for the load test: a few hundred paho MQTT clients per process.

Each frame holds a certificate from the local device CA with its frame id as CN, connects with a
persistent session and a retained last will, and follows docs/protocol.md: status (retained) on
every connect and as a heartbeat; on a desired state newer than the one it applied, it downloads
every new item's file over HTTPS (presigned URL), checks the SHA-256 and size, and publishes
``delivered`` then ``displayed`` (the real frame shows a new photo next: here at once); items no
longer listed are dropped. Disconnects are half clean (DISCONNECT) and half a dropped socket
(the broker publishes the last will), each followed by a reconnect.

paho's network loop uses select(), which cannot watch descriptors above 1024: hence ~300 frames
per process (tests/bench/bench_fanout.py does the same). The parent talks to each process over a
pipe: ``connected`` → ``drive`` → ``report`` → ``stop``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

DOWNLOAD_THREADS = 6
MAX_FILE_BYTES = 20 * 1024 * 1024
DOWNTIME_SECONDS = (2.0, 15.0)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FrameSpec:
    frame_id: str
    cert: str
    key: str
    panel: str


@dataclass
class SimSettings:
    frames: list[FrameSpec]
    ca: str
    host: str
    port: int
    heartbeat_per_second: float  # for this process's frames together
    reconnect_per_second: float
    seed: int


@dataclass
class Measurements:
    """What one process saw; sent to the parent as plain data."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    # (frame id, share id, wall time the desired state listed it, wall time the file was on disk)
    receipts: list[tuple[str, str, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def took(self, what: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(what, []).append(seconds)

    def error(self, reason: str) -> None:
        with self.lock:
            self.errors[reason[:160]] += 1

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n


class PublishTimer:
    """QoS 1 publish → PUBACK times, whichever of the two callbacks comes first."""

    def __init__(self, measurements: Measurements) -> None:
        self.m = measurements
        self.lock = threading.Lock()
        self.sent: dict[tuple[str, int], tuple[str, float]] = {}
        self.early: dict[tuple[str, int], float] = {}

    def published(self, frame_id: str, mid: int, kind: str, at: float) -> None:
        with self.lock:
            acked = self.early.pop((frame_id, mid), None)
            if acked is None:
                self.sent[(frame_id, mid)] = (kind, at)
                return
        self.m.took(kind, acked - at)

    def acked(self, frame_id: str, mid: int, reason_failed: bool) -> None:
        at = time.monotonic()
        with self.lock:
            sent = self.sent.pop((frame_id, mid), None)
            if sent is None:
                self.early[(frame_id, mid)] = at
                return
        kind, started = sent
        if reason_failed:
            self.m.error(f"{kind}: PUBACK failure")
        else:
            self.m.took(kind, at - started)


class SimFrame:
    def __init__(self, spec: FrameSpec, sim: Simulator) -> None:
        from infra.localcloud.mqtt import make_client

        self.spec = spec
        self.sim = sim
        self.version = 0
        self.files: dict[str, str] = {}  # share id -> sha256 on disk
        self.pending: set[str] = set()
        self.showing: str | None = None
        self.lock = threading.Lock()
        self.online = False
        self.down_until = 0.0
        self.topic = f"shareframe/frames/{spec.frame_id}"
        self.client = make_client(
            spec.frame_id, Path(sim.settings.ca), Path(spec.cert), Path(spec.key)
        )
        self.client.will_set(
            f"{self.topic}/status", json.dumps({"online": False}), qos=1, retain=True
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish

    # MQTT callbacks ---------------------------------------------------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self.sim.m.error(f"connect refused: {reason}")
            return
        self.online = True
        self.sim.m.count("connects")
        client.subscribe(f"{self.topic}/desired", qos=1)
        self.publish_status("status_on_connect")

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.online = False

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        self.sim.timer.acked(self.spec.frame_id, mid, bool(getattr(reason, "is_failure", False)))

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        seen = time.time()
        try:
            desired = json.loads(message.payload)
            version = int(desired["version"])
            items = {item["shareId"]: item for item in desired.get("items", [])}
        except (ValueError, KeyError, TypeError) as error:
            self.sim.m.error(f"desired state not understood: {type(error).__name__}")
            return
        with self.lock:
            if version <= self.version:
                self.sim.m.count("desired_duplicates")
                return
            self.version = version
            gone = [s for s in self.files if s not in items]
            for share_id in gone:
                del self.files[share_id]
            new = [
                item
                for share_id, item in items.items()
                if share_id not in self.files and share_id not in self.pending and item.get("file")
            ]
            self.pending.update(item["shareId"] for item in new)
        self.sim.m.count("desired_states")
        self.sim.m.count("items_removed", len(gone))
        for item in new:
            self.sim.downloads.submit(self._download, item, seen)

    # Actions ----------------------------------------------------------------------------------
    def _download(self, item: dict[str, Any], seen: float) -> None:
        share_id, file = item["shareId"], item["file"]
        started = time.monotonic()
        try:
            response = self.sim.http().get(file["url"], timeout=30)
            body = response.content
            if response.status_code != 200:
                self.sim.m.error(f"download: HTTP {response.status_code}")
                return
            if len(body) != int(file["bytes"]) or len(body) > MAX_FILE_BYTES:
                self.sim.m.error("download: size differs from the desired state's")
                return
            if hashlib.sha256(body).hexdigest() != file["sha256"]:
                self.sim.m.error("download: sha256 mismatch")
                return
        except Exception as error:
            self.sim.m.error(f"download: {type(error).__name__}")
            return
        finally:
            with self.lock:
                self.pending.discard(share_id)
        self.sim.m.took("download", time.monotonic() - started)
        with self.lock:
            self.files[share_id] = file["sha256"]
            self.showing = share_id
        self.sim.m.receipts.append((self.spec.frame_id, share_id, seen, time.time()))
        for kind in ("delivered", "displayed"):
            self.publish_event({"type": kind, "shareId": share_id})

    def publish_status(self, kind: str = "heartbeat") -> None:
        status = {
            "online": True,
            "firmware": "0.1.0",
            "panel": self.spec.panel,
            "freeBytes": 1 << 30,
            "showing": self.showing,
            "stateVersion": self.version,
            "battery": None,
            "nextWakeAt": None,
            "at": now_iso(),
        }
        self._publish(f"{self.topic}/status", status, kind, retain=True)

    def publish_event(self, event: dict[str, Any]) -> None:
        body = {**event, "eventId": str(uuid.uuid4()), "at": now_iso()}
        self._publish(f"{self.topic}/events", body, f"event_{event['type']}", retain=False)

    def _publish(self, topic: str, body: dict[str, Any], kind: str, *, retain: bool) -> None:
        started = time.monotonic()
        info = self.client.publish(topic, json.dumps(body), qos=1, retain=retain)
        if info.rc != 0:
            self.sim.m.error(f"{kind}: publish rc {info.rc}")
            return
        self.sim.m.count(kind)
        self.sim.timer.published(self.spec.frame_id, info.mid, kind, started)

    def drop(self, clean: bool) -> None:
        """Disconnect (cleanly or by dropping the socket); ``reconnect`` brings it back."""
        self.online = False
        if clean:
            self.client.disconnect()
            self.client.loop_stop()
        else:
            sock: Any = self.client.socket()
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def reconnect(self) -> None:
        try:
            self.client.reconnect()
            self.client.loop_start()
        except OSError as error:
            self.sim.m.error(f"reconnect: {type(error).__name__}")


class Simulator:
    def __init__(self, settings: SimSettings) -> None:
        self.settings = settings
        self.m = Measurements()
        self.timer = PublishTimer(self.m)
        self.downloads = ThreadPoolExecutor(DOWNLOAD_THREADS, "download")
        self._http = threading.local()
        self.frames = [SimFrame(spec, self) for spec in settings.frames]
        self.rng = random.Random(settings.seed)

    def http(self) -> Any:
        import requests

        session = getattr(self._http, "session", None)
        if session is None:
            session = self._http.session = requests.Session()
        return session

    def connect_all(self) -> float:
        from infra.localcloud.mqtt import connect_and_wait

        started = time.monotonic()
        for frame in self.frames:
            try:
                connect_and_wait(
                    frame.client,
                    self.settings.host,
                    self.settings.port,
                    timeout=60,
                    clean_start=False,
                )
            except (TimeoutError, ConnectionError, OSError) as error:
                self.m.error(f"first connect: {type(error).__name__}: {error}")
        return time.monotonic() - started

    def drive(self, seconds: float) -> None:
        """Heartbeats and disconnects at this process's rates for ``seconds``."""
        from tests.load.mix import arrivals

        schedule = arrivals(
            {
                "heartbeat": self.settings.heartbeat_per_second,
                "reconnect": self.settings.reconnect_per_second,
            },
            seconds,
            self.rng,
        )
        back: list[tuple[float, SimFrame]] = []
        started = time.monotonic()
        for offset, what in schedule:
            while True:
                now = time.monotonic()
                due = [entry for entry in back if entry[0] <= now]
                for entry in due:
                    back.remove(entry)
                    entry[1].reconnect()
                    self.m.count("reconnects")
                wait = started + offset - now
                if wait <= 0:
                    break
                time.sleep(min(wait, 0.2))
            online = [f for f in self.frames if f.online]
            if not online:
                continue
            frame = self.rng.choice(online)
            if what == "heartbeat":
                frame.publish_status()
            else:
                clean = self.rng.random() < 0.5
                frame.drop(clean)
                self.m.count("clean_disconnects" if clean else "dropped_connections")
                if clean:
                    back.append((time.monotonic() + self.rng.uniform(*DOWNTIME_SECONDS), frame))
                # A dropped socket: paho reconnects on its own after 1-5 s.
        for _, frame in back:
            frame.reconnect()
            self.m.count("reconnects")

    def report(self) -> dict[str, Any]:
        with self.m.lock:
            return {
                "latencies": dict(self.m.latencies),
                "errors": dict(self.m.errors),
                "counts": dict(self.m.counts),
                "receipts": list(self.m.receipts),
                "online": sum(1 for f in self.frames if f.online),
                "pid": os.getpid(),
            }

    def stop(self) -> None:
        for frame in self.frames:
            try:
                frame.client.disconnect()
                frame.client.loop_stop()
            except Exception:
                continue
        self.downloads.shutdown(wait=False, cancel_futures=True)


def run(settings: SimSettings, pipe: Connection) -> None:
    """A simulator process's main: see the module docstring for the pipe's conversation."""
    import sys

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    sim = Simulator(settings)
    seconds = sim.connect_all()
    pipe.send(("connected", sum(1 for f in sim.frames if f.online), seconds))
    while True:
        message = pipe.recv()
        if message[0] == "drive":
            sim.drive(float(message[1]))
            pipe.send(("drove",))
        elif message[0] == "report":
            pipe.send(("report", sim.report()))
        elif message[0] == "stop":
            sim.stop()
            return
