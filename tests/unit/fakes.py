"""In-memory fakes of every port in ``chalicelib.services.ports``, and a world that bundles them.

They keep the same rules as the DynamoDB repositories (conditional updates, both sides of a
friendship, counters that never go below zero) in plain dicts, so a service test runs in
microseconds and reads like the product: ``world.user("ana")``, ``world.frame(owner=ana)``.
Records are the PynamoDB models used as data only: nothing here is ever saved.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters.tables import (
    DeliveryRecord,
    FrameRecord,
    FriendshipRecord,
    ImageRecord,
    PairingSessionRecord,
    ShareRecord,
    UserRecord,
)
from chalicelib.config import Settings
from chalicelib.domain import codes
from chalicelib.domain.errors import RateLimited, ValidationFailed
from chalicelib.domain.ids import new_id
from chalicelib.events.messages import RenderRequest
from chalicelib.services.ports import Deps

LIVE = ("queued", "delivered", "displayed")
START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class FakeIds:
    """Real-looking ids (``is_id`` accepts them) that sort in the order they were made."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.counter = itertools.count()

    def __call__(self, prefix: str) -> str:
        ms = int(self.clock().timestamp() * 1000) + next(self.counter)
        return new_id(prefix, now_ms=ms)


class FakeUsers:
    def __init__(self) -> None:
        self.records: dict[str, UserRecord] = {}
        self.emails: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def put(self, user: UserRecord) -> UserRecord:
        self.records[user.user_id] = user
        self.emails[user.email] = user.user_id
        if user.friend_code:
            self.codes[user.friend_code] = user.user_id
        return user

    def get(self, user_id: str) -> UserRecord | None:
        return self.records.get(user_id)

    def many(self, user_ids: Iterable[str]) -> dict[str, UserRecord]:
        return {u: self.records[u] for u in user_ids if u in self.records}

    def id_by_email(self, address: str) -> str | None:
        return self.emails.get(address)

    def id_by_friend_code(self, code: str) -> str | None:
        return self.codes.get(code)

    def reserve_photo_slot(self, user_id: str, quota: int) -> bool:
        user = self.records.get(user_id)
        if user is None or (user.photo_count or 0) >= quota:
            return False
        user.photo_count = (user.photo_count or 0) + 1
        return True

    def release_photo_slot(self, user_id: str) -> None:
        user = self.records.get(user_id)
        if user is not None and (user.photo_count or 0) > 0:
            user.photo_count -= 1


class FakeImages:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ImageRecord] = {}

    def put(self, image: ImageRecord) -> ImageRecord:
        self.records[(image.user_id, image.image_id)] = image
        return image

    def get(self, user_id: str, image_id: str) -> ImageRecord | None:
        return self.records.get((user_id, image_id))

    def add(self, image: ImageRecord) -> None:
        self.put(image)

    def remove_pending(self, image: ImageRecord) -> bool:
        stored = self.records.get((image.user_id, image.image_id))
        if stored is None or stored.state != "pending":
            return False
        del self.records[(image.user_id, image.image_id)]
        return True

    def keep_renditions_until(self, image: ImageRecord, until: datetime) -> None:
        image.shares_until = until


class FakeFrames:
    def __init__(self) -> None:
        self.records: dict[str, FrameRecord] = {}

    def get(self, frame_id: str) -> FrameRecord | None:
        return self.records.get(frame_id)

    def many(self, frame_ids: Iterable[str]) -> dict[str, FrameRecord]:
        return {f: self.records[f] for f in frame_ids if f in self.records}

    def of_owner(self, owner_id: str) -> list[FrameRecord]:
        return sorted(
            (f for f in self.records.values() if f.owner_id == owner_id),
            key=lambda f: f.frame_id,
        )

    def add(self, frame: FrameRecord) -> bool:
        if frame.frame_id in self.records:
            return False
        self.records[frame.frame_id] = frame
        return True

    def count_item(self, frame_id: str, change: int) -> None:
        frame = self.records.get(frame_id)
        if frame is not None and (frame.active_items or 0) + change >= 0:
            frame.active_items = (frame.active_items or 0) + change

    def show_next(self, frame_id: str, share_id: str, at: datetime) -> None:
        self.records[frame_id].show_next = {"shareId": share_id, "requestedAt": at.isoformat()}


class FakeShares:
    def __init__(self) -> None:
        self.shares: dict[str, ShareRecord] = {}
        self.by_frame: dict[tuple[str, str], DeliveryRecord] = {}

    def get(self, share_id: str) -> ShareRecord | None:
        return self.shares.get(share_id)

    def deliveries(self, share: ShareRecord) -> list[DeliveryRecord]:
        return [
            self.by_frame[(f, share.share_id)]
            for f in share.frame_ids
            if (f, share.share_id) in self.by_frame
        ]

    def delivery(self, frame_id: str, share_id: str) -> DeliveryRecord | None:
        return self.by_frame.get((frame_id, share_id))

    def live_on(self, frame_id: str) -> list[DeliveryRecord]:
        return sorted(
            (d for (f, _), d in self.by_frame.items() if f == frame_id and d.state in LIVE),
            key=lambda d: d.share_id,
        )

    def add(self, share: ShareRecord, deliveries: list[DeliveryRecord]) -> None:
        self.shares[share.share_id] = share
        for d in deliveries:
            self.by_frame[(d.frame_id, d.share_id)] = d

    def leave(self, frame_id: str, share_id: str, state: str) -> bool:
        d = self.by_frame.get((frame_id, share_id))
        if d is None or d.state not in LIVE:
            return False
        d.state = state
        return True

    def attach_file(self, frame_id: str, share_id: str, file: dict[str, Any]) -> bool:
        d = self.by_frame.get((frame_id, share_id))
        if d is None or d.state != "queued" or d.file_key is not None:
            return False
        d.file_key, d.file_sha256, d.file_bytes = file["key"], file["sha256"], file["bytes"]
        d.thumbnail_key = file["thumbnailKey"]
        return True

    def set_thumbnail(self, share_id: str, key: str) -> None:
        if share_id in self.shares:
            self.shares[share_id].thumbnail_key = key

    def purge(self, share: ShareRecord, deliveries: list[DeliveryRecord]) -> None:
        for d in deliveries:
            self.by_frame.pop((d.frame_id, d.share_id), None)
        self.shares.pop(share.share_id, None)


class FakeFriendships:
    def __init__(self) -> None:
        self.sides: dict[tuple[str, str], FriendshipRecord] = {}

    def _put(self, user_id: str, other_id: str, state: str, name: str, at: datetime) -> None:
        self.sides[(user_id, other_id)] = FriendshipRecord(
            user_id, other_id, state=state, other_name=name, created_at=at
        )

    def get(self, user_id: str, other_id: str) -> FriendshipRecord | None:
        return self.sides.get((user_id, other_id))

    def friend_ids(self, user_id: str) -> list[str]:
        return [r.other_id for r in self.of_state(user_id, "friends")]

    def of_state(self, user_id: str, state: str) -> list[FriendshipRecord]:
        return [r for (u, _), r in sorted(self.sides.items()) if u == user_id and r.state == state]

    def request(self, sender: UserRecord, recipient: UserRecord, at: datetime) -> None:
        self._put(sender.user_id, recipient.user_id, "outgoing", recipient.display_name, at)
        self._put(recipient.user_id, sender.user_id, "incoming", sender.display_name, at)

    def settle(
        self, user_id: str, other_id: str, expect: str, then: str | None, at: datetime
    ) -> bool:
        opposite = {"incoming": "outgoing", "outgoing": "incoming"}[expect]
        mine, theirs = self.get(user_id, other_id), self.get(other_id, user_id)
        if mine is None or theirs is None or mine.state != expect or theirs.state != opposite:
            return False
        for side in (mine, theirs):  # new records: what a caller read before stays as read
            if then is None:
                del self.sides[(side.user_id, side.other_id)]
            else:
                self._put(side.user_id, side.other_id, then, side.other_name, at)
        return True

    def unfriend(self, user_id: str, other_id: str) -> None:
        self.sides.pop((user_id, other_id), None)
        theirs = self.get(other_id, user_id)
        if theirs is not None and theirs.state == "friends":
            del self.sides[(other_id, user_id)]

    def block(self, user_id: str, other: UserRecord, at: datetime) -> None:
        self._put(user_id, other.user_id, "blocked", other.display_name, at)
        theirs = self.get(other.user_id, user_id)
        if theirs is not None and theirs.state != "blocked":
            del self.sides[(other.user_id, user_id)]

    def unblock(self, user_id: str, other_id: str) -> bool:
        mine = self.get(user_id, other_id)
        if mine is None or mine.state != "blocked":
            return False
        del self.sides[(user_id, other_id)]
        return True


class FakePairingSessions:
    def __init__(self) -> None:
        self.records: dict[str, PairingSessionRecord] = {}

    def open(self, session: PairingSessionRecord) -> bool:
        if session.code in self.records:
            return False
        self.records[session.code] = session
        return True

    def get(self, code: str) -> PairingSessionRecord | None:
        return self.records.get(code)

    def take(self, session: PairingSessionRecord, frame_id: str) -> bool:
        stored = self.records.get(session.code)
        if stored is None or stored.state != "pending":
            return False
        stored.state, stored.frame_id = "claiming", frame_id
        return True

    def give_back(self, session: PairingSessionRecord) -> None:
        stored = self.records[session.code]
        stored.state, stored.frame_id = "pending", None

    def complete(self, session: PairingSessionRecord, certificate_pem: str) -> None:
        stored = self.records[session.code]
        stored.state, stored.certificate_pem = "claimed", certificate_pem


class FakeDevices:
    """Accepts anything that looks like a PEM request; ``fail_next`` makes one provision fail."""

    def __init__(self) -> None:
        self.provisioned: list[str] = []
        self.fail_next = False

    def validate_csr(self, csr_pem: str) -> None:
        if "BEGIN CERTIFICATE REQUEST" not in csr_pem:
            raise ValidationFailed("csr must be a PEM certificate request.", field="csr")

    def provision(self, csr_pem: str, frame_id: str) -> tuple[str, str]:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the IoT registry is unavailable")
        self.provisioned.append(frame_id)
        return f"CERTIFICATE for {frame_id}", f"cert-{frame_id}"

    def server_root_pem(self) -> str:
        return "SERVER ROOT"


class FakeMedia:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete(self, key: str) -> None:
        self.deleted.append(key)

    def presigned_get_cached(self, key: str) -> str:
        return f"https://media.test/{key}?signed"

    def presigned_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]:
        return {"url": "https://media.test/", "fields": {"key": key, "Content-Type": content_type}}


class FakeTimers:
    def __init__(self) -> None:
        self.pending: list[tuple[str, datetime, dict[str, Any]]] = []

    def schedule(self, job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None:
        self.pending.append((job, due_at, ref))

    def cancel(self, job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None:
        if (job, due_at, ref) in self.pending:
            self.pending.remove((job, due_at, ref))

    def of(self, job: str) -> list[tuple[datetime, dict[str, Any]]]:
        return [(due, ref) for j, due, ref in self.pending if j == job]


class FakeRateLimiter:
    """Fixed windows on the fake clock, like the DynamoDB counter."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.attempts: dict[tuple[str, str, int], int] = {}

    def hit(
        self, action: str, subject: str, *, limit: int, window_seconds: int, message: str
    ) -> None:
        now = int(self.clock().timestamp())
        window = now // window_seconds
        key = (action, subject, window)
        if self.attempts.get(key, 0) >= limit:
            raise RateLimited(message, retry_after=(window + 1) * window_seconds - now)
        self.attempts[key] = self.attempts.get(key, 0) + 1


class FakeActivity:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.feed: list[tuple[str, str, dict[str, Any]]] = []

    def count(self, user_id: str, counter: str, now: datetime, amount: int = 1) -> None:
        self.counts[(user_id, counter)] = self.counts.get((user_id, counter), 0) + amount

    def record(self, user_id: str, kind: str, now: datetime, **detail: Any) -> None:
        self.feed.append((user_id, kind, detail))

    def kinds(self, user_id: str) -> list[str]:
        return [kind for u, kind, _ in self.feed if u == user_id]


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class FakeFrameChannel:
    def __init__(self) -> None:
        self.published: list[str] = []

    def publish(self, frame_id: str) -> int:
        self.published.append(frame_id)
        return self.published.count(frame_id)


Variant = tuple[str, str, str, str | None, str | None]


@dataclass
class FakeRenderer:
    """Stands in for the rendering engine: records what it was asked for, and remembers what it
    made (the cache ``cached`` reads, as the real one keeps on the photo and in S3)."""

    calls: list[Variant] = field(default_factory=list)
    made: dict[Variant, dict[str, Any]] = field(default_factory=dict)

    def __call__(
        self,
        image: ImageRecord,
        panel: str,
        orientation: str,
        caption: str | None,
        label: str | None,
    ) -> dict[str, Any]:
        variant = (image.image_id, panel, orientation, caption, label)
        self.calls.append(variant)
        if variant in self.made:
            return self.made[variant]
        base = (
            f"renditions/{image.user_id}/{image.image_id}/{panel}-{orientation}-{len(self.calls)}"
        )
        self.made[variant] = {
            "key": f"{base}.png",
            "previewKey": f"{base}-preview.png",
            "thumbnailKey": f"{base}-thumbnail.jpg",
            "sha256": "0" * 64,
            "bytes": 1000,
            "width": 800,
            "height": 480,
        }
        return self.made[variant]

    def cached(
        self,
        image: ImageRecord,
        panel: str,
        orientation: str,
        caption: str | None,
        label: str | None,
    ) -> dict[str, Any] | None:
        return self.made.get((image.image_id, panel, orientation, caption, label))


class FakeRenderQueue:
    """The renditions queue: jobs wait here until a test works them off (``World.render_all``)."""

    def __init__(self) -> None:
        self.jobs: list[RenderRequest] = []

    def request(self, jobs: Sequence[RenderRequest]) -> None:
        self.jobs.extend(jobs)


def test_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "prefix": "unit",
        "media_bucket": "unit-media",
        "web_url": "https://shareframe.test",
        "mail_from": "no-reply@shareframe.test",
        "mqtt_host": "mqtt.test",
        "mqtt_port": 8883,
    }
    return Settings(**(values | overrides))


test_settings.__test__ = False  # type: ignore[attr-defined]


class World:
    """A bundle of fakes plus helpers that create users, photos, frames and friendships."""

    def __init__(self, **settings: Any) -> None:
        self.clock = FakeClock()
        self.users = FakeUsers()
        self.images = FakeImages()
        self.frames = FakeFrames()
        self.shares = FakeShares()
        self.friendships = FakeFriendships()
        self.pairing = FakePairingSessions()
        self.devices = FakeDevices()
        self.media = FakeMedia()
        self.timers = FakeTimers()
        self.rate_limiter = FakeRateLimiter(self.clock)
        self.activity = FakeActivity()
        self.mailer = FakeMailer()
        self.frame_channel = FakeFrameChannel()
        self.render = FakeRenderer()
        self.render_queue = FakeRenderQueue()
        self.new_id = FakeIds(self.clock)
        self.deps = Deps(
            settings=test_settings(**settings),
            users=self.users,
            images=self.images,
            frames=self.frames,
            shares=self.shares,
            friendships=self.friendships,
            pairing=self.pairing,
            devices=self.devices,
            media=self.media,
            timers=self.timers,
            rate_limiter=self.rate_limiter,
            activity=self.activity,
            mailer=self.mailer,
            frame_channel=self.frame_channel,
            render=self.render,
            cached_rendition=self.render.cached,
            render_queue=self.render_queue,
            clock=self.clock,
            new_id=self.new_id,
        )

    def render_all(self) -> list[str]:
        """Work off the renditions queue as its workers would; returns their outcomes."""
        from chalicelib.services import delivery_files

        done = []
        while self.render_queue.jobs:
            done.append(delivery_files.fill(self.deps, self.render_queue.jobs.pop(0)))
        return done

    # --- making things --------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        findable: bool = True,
        notify: tuple[str, ...] = (),
        photos: int = 0,
    ) -> UserRecord:
        user_id = self.new_id("usr")
        code = codes.new_code()
        return self.users.put(
            UserRecord(
                user_id,
                email=f"{name.lower()}@example.com",
                display_name=name,
                password_hash="x",
                verified=True,
                created_at=self.clock(),
                findable=findable,
                friend_code=code,
                notifications={kind: True for kind in notify},
                photo_count=photos,
            )
        )

    def photo(self, owner: UserRecord, *, state: str = "ready") -> ImageRecord:
        return self.images.put(
            ImageRecord(
                owner.user_id,
                self.new_id("img"),
                state=state,
                content_type="image/jpeg",
                declared_bytes=1000,
                created_at=self.clock(),
            )
        )

    def frame(
        self,
        owner: UserRecord,
        name: str = "Kitchen",
        *,
        policy: str = "friends",
        allowed: tuple[str, ...] = (),
        show_status: bool = True,
        online: bool = True,
        panel: str = "waveshare_7in5_v2",
    ) -> FrameRecord:
        frame = FrameRecord(
            self.new_id("frm"),
            owner_id=owner.user_id,
            name=name,
            panel=panel,
            certificate_id="cert",
            created_at=self.clock(),
            send_policy=policy,
            allowed_senders=list(allowed),
            show_status=show_status,
            online=online,
        )
        self.frames.add(frame)
        return frame

    def befriend(self, a: UserRecord, b: UserRecord) -> None:
        self.friendships.request(a, b, self.clock())
        self.friendships.settle(b.user_id, a.user_id, "incoming", "friends", self.clock())

    def state(self, a: UserRecord, b: UserRecord) -> str | None:
        side = self.friendships.get(a.user_id, b.user_id)
        return side.state if side is not None else None
