"""Simulated people for the load test: the web app's requests, over HTTP, against chalice local.

Each operation of the daily mix (tests/load/mix.py) is what the app does for it:

* ``sign_in``: ``POST /auth/login`` (argon2 checks the seeded hash); an operation of someone
  without a fresh access token signs in first (tokens live 15 minutes);
* ``browse``: ``GET /dashboard`` and ``GET /shares?direction=sent``;
* ``upload``: ``POST /images``, the presigned POST of a small real JPEG to S3, then polling
  ``GET /images/{id}`` until processing made it ``ready``;
* ``send``: ``GET /frames/targets`` and ``POST /shares`` to 1..5 of them (mine and friends'),
  one in five expiring within minutes; every send's receipts are then awaited by polling
  ``GET /shares/{id}`` until each frame that is online reports ``delivered``;
* ``remove``: ``DELETE /shares/{id}/frames/{frameId}`` of a live share of mine;
* ``friend_request``: ``POST /friends/requests`` with a stranger's friend code; the stranger
  accepts a few seconds later.

Every HTTP step is timed on its own (``op`` names in the report) and charged the AWS calls the
local API reports in its ``X-Local-Aws-Calls`` header. Each person sends from a loopback
address of their own (127.1.x.y), so the API's per-address limits see many people, as in AWS.
"""

from __future__ import annotations

import io
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from PIL import Image, ImageDraw

from infra.localcloud.call_tally import HEADER, parse_header
from tests.load.mix import EXPIRING_FRACTION, EXPIRING_SECONDS, World, fanout
from tests.load.report import OperationStats

SOURCE_ADDRESSES = 256
TOKEN_REUSE_SECONDS = 12 * 60  # access tokens live 15 minutes
RECEIPT_TIMEOUT_SECONDS = 90.0
READY_TIMEOUT_SECONDS = 90.0
POLL_SECONDS = 1.0


class SourceAdapter(requests.adapters.HTTPAdapter):
    """Connections from one local address (``source_address``)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_connections=4, pool_maxsize=16)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def source_address(user: int) -> str:
    slot = user % SOURCE_ADDRESSES
    return f"127.1.{slot // 250}.{slot % 250 + 1}"


def jpeg(rng: random.Random, size: tuple[int, int] = (960, 720)) -> bytes:
    """A small real JPEG, different every time (the library refuses exact duplicates)."""
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse(
            (x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 300)),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Failed(Exception):
    """An operation went wrong; the message is the reason the report counts."""


@dataclass
class SentShare:
    share_id: str
    sender: int
    frame_ids: list[str]
    sent_at: float  # wall clock, when the request started
    expires_at: float | None  # wall clock, for the shares that expire within the run


@dataclass
class People:
    """The driver's view of the world: tokens, ready photos, live shares, pending requests."""

    world: World
    api: str
    stats: dict[str, OperationStats] = field(default_factory=dict)
    tokens: dict[int, tuple[str, float]] = field(default_factory=dict)
    photos: dict[int, list[str]] = field(default_factory=dict)
    shares: deque[SentShare] = field(default_factory=lambda: deque(maxlen=5000))
    sent: list[SentShare] = field(default_factory=list)
    asked: set[tuple[int, int]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)

    # Plumbing ---------------------------------------------------------------------------------
    def stat(self, op: str) -> OperationStats:
        with self.lock:
            return self.stats.setdefault(op, OperationStats())

    def _session(self, user: int) -> requests.Session:
        sessions: dict[str, requests.Session] = getattr(self._local, "sessions", None) or {}
        self._local.sessions = sessions
        address = source_address(user)
        if address not in sessions:
            session = requests.Session()
            adapter = SourceAdapter(address)
            session.mount("http://", adapter)
            sessions[address] = session
        return sessions[address]

    def call(
        self,
        op: str,
        user: int,
        method: str,
        path: str,
        *,
        body: Any = None,
        expect: tuple[int, ...] = (200,),
        token: str | None = None,
    ) -> Any:
        """One timed API request; a status outside ``expect`` raises :class:`Failed`."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.monotonic()
        try:
            response = self._session(user).request(
                method, self.api + path, json=body, headers=headers, timeout=60
            )
        except requests.RequestException as error:
            self.stat(op).failed(f"{type(error).__name__}")
            # the sample keeps the detail (refused, reset, timed out) the tally groups away
            raise Failed(f"{op}: {type(error).__name__}: {error}"[:300]) from error
        took = time.monotonic() - started
        if response.status_code not in expect:
            reason = f"HTTP {response.status_code} {response.text[:100]}"
            self.stat(op).failed(reason)
            raise Failed(f"{op}: {reason}")
        calls = parse_header(response.headers.get(HEADER)) if HEADER in response.headers else None
        self.stat(op).ok(took, calls)
        return response.json() if response.content else None

    def token(self, user: int) -> str:
        with self.lock:
            held = self.tokens.get(user)
        if held and time.monotonic() - held[1] < TOKEN_REUSE_SECONDS:
            return held[0]
        return self.sign_in(user)

    # Operations -------------------------------------------------------------------------------
    def sign_in(self, user: int) -> str:
        session = self.call(
            "sign_in",
            user,
            "POST",
            "/auth/login",
            body={"email": self.world.email(user), "password": World.PASSWORD},
        )
        token = str(session["accessToken"])
        with self.lock:
            self.tokens[user] = (token, time.monotonic())
        return token

    def browse(self, user: int) -> None:
        token = self.token(user)
        self.call("dashboard", user, "GET", "/dashboard", token=token)
        self.call("list_sent", user, "GET", "/shares?direction=sent&limit=30", token=token)

    def upload(self, user: int, rng: random.Random) -> None:
        token = self.token(user)
        data = jpeg(rng)
        created = self.call(
            "create_image",
            user,
            "POST",
            "/images",
            body={"contentType": "image/jpeg", "bytes": len(data), "filename": "photo.jpg"},
            expect=(201,),
            token=token,
        )
        post = created["upload"]
        started = time.monotonic()
        try:
            response = self._session(user).post(
                post["url"], data=post["fields"], files={"file": ("photo.jpg", data)}, timeout=60
            )
        except requests.RequestException as error:
            self.stat("s3_upload").failed(type(error).__name__)
            raise Failed(f"s3_upload: {type(error).__name__}: {error}"[:300]) from error
        if response.status_code not in (200, 201, 204):
            self.stat("s3_upload").failed(f"HTTP {response.status_code}")
            raise Failed("s3_upload")
        self.stat("s3_upload").ok(time.monotonic() - started)
        image_id = created["imageId"]
        deadline = started + READY_TIMEOUT_SECONDS
        while True:
            time.sleep(POLL_SECONDS)
            image = self.call("image_status", user, "GET", f"/images/{image_id}", token=token)
            if image["state"] == "ready":
                self.stat("upload_ready").ok(time.monotonic() - started)
                with self.lock:
                    self.photos.setdefault(user, []).append(image_id)
                return
            if image["state"] != "pending":
                self.stat("upload_ready").failed(f"state {image['state']} {image.get('reason')}")
                raise Failed("upload_ready")
            if time.monotonic() > deadline:
                self.stat("upload_ready").failed("not ready in time")
                raise Failed("upload_ready")

    def has_photo(self, user: int) -> bool:
        with self.lock:
            return bool(self.photos.get(user))

    def send(self, user: int, rng: random.Random) -> SentShare:
        token = self.token(user)
        with self.lock:
            image_id = rng.choice(self.photos[user])
        targets = self.call("targets", user, "GET", "/frames/targets", token=token)["items"]
        if not targets:
            self.stat("send").failed("no frame to send to")
            raise Failed("send: no targets")
        chosen = rng.sample(targets, fanout(rng, len(targets)))
        body: dict[str, Any] = {"imageId": image_id, "frameIds": [t["frameId"] for t in chosen]}
        expires_at = None
        if rng.random() < EXPIRING_FRACTION:
            at = datetime.now(UTC) + timedelta(seconds=rng.uniform(*EXPIRING_SECONDS))
            body["expiresAt"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
            expires_at = at.timestamp()
        else:
            body["duration"] = rng.choice(["24h", "7d", "14d", "30d"])
        sent_at = time.time()
        share = self.call("send", user, "POST", "/shares", body=body, expect=(201,), token=token)
        sent = SentShare(share["shareId"], user, list(body["frameIds"]), sent_at, expires_at)
        with self.lock:
            self.shares.append(sent)
            self.sent.append(sent)
        return sent

    def await_receipts(self, sent: SentShare) -> None:
        """Poll the share until no delivery is ``queued`` (a frame that is away for a moment
        reconnects within seconds and gets its retained desired state)."""
        started = time.monotonic()
        while True:
            time.sleep(POLL_SECONDS)
            token = self.token(sent.sender)
            share = self.call(
                "share_status", sent.sender, "GET", f"/shares/{sent.share_id}", token=token
            )
            waiting = [d["frameId"] for d in share["deliveries"] if d["state"] == "queued"]
            if not waiting:
                self.stat("receipt").ok(time.time() - sent.sent_at)
                return
            if time.monotonic() - started > RECEIPT_TIMEOUT_SECONDS:
                self.stat("receipt").failed(f"{len(waiting)} frame(s) without a receipt")
                raise Failed("receipt")

    def remove(self, user: int, rng: random.Random) -> None:
        with self.lock:
            live = [s for s in self.shares if s.expires_at is None and s.frame_ids]
            if not live:
                return
            share = rng.choice(live)
            frame_id = share.frame_ids.pop(rng.randrange(len(share.frame_ids)))
        token = self.token(share.sender)
        self.call(
            "remove",
            share.sender,
            "DELETE",
            f"/shares/{share.share_id}/frames/{frame_id}",
            expect=(204,),
            token=token,
        )

    def friend_request(self, user: int, rng: random.Random) -> int | None:
        other = self.world.stranger(user, rng)
        pair = (min(user, other), max(user, other))
        with self.lock:
            if pair in self.asked:
                return None
            self.asked.add(pair)
        self.call(
            "friend_request",
            user,
            "POST",
            "/friends/requests",
            body={"friendCode": self.world.friend_code(other)},
            expect=(201,),
            token=self.token(user),
        )
        return other

    def accept(self, user: int, asker: int) -> None:
        self.call(
            "accept_friend",
            user,
            "POST",
            f"/friends/requests/{self.world.user_id(asker)}/accept",
            token=self.token(user),
        )
