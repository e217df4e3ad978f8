"""What the services need from the outside world, and the bundle that hands it to them.

Each port is as small as the services that use it: a repository method exists because a
service calls it. ``bootstrap.deps()`` builds the real bundle once per container (DynamoDB,
S3, IoT, SES); unit tests build it from the in-memory fakes in ``tests/unit/fakes.py``.

Records are the table's PynamoDB models used as plain data (attributes only): every read and
write goes through a repository, so a service never talks to DynamoDB itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
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
    from chalicelib.events.messages import RenderRequest


class Users(Protocol):
    def get(self, user_id: str) -> UserRecord | None: ...
    def many(self, user_ids: Iterable[str]) -> dict[str, UserRecord]: ...
    def id_by_email(self, address: str) -> str | None: ...
    def id_by_friend_code(self, code: str) -> str | None: ...
    def reserve_photo_slot(self, user_id: str, quota: int) -> bool:
        """Count one more photo unless the library holds ``quota`` already."""
        ...

    def release_photo_slot(self, user_id: str) -> None:
        """Count one photo less (never below zero)."""
        ...


class Images(Protocol):
    def get(self, user_id: str, image_id: str) -> ImageRecord | None: ...
    def add(self, image: ImageRecord) -> None: ...
    def remove_pending(self, image: ImageRecord) -> bool:
        """Delete a photo whose upload never arrived; False when it is no longer pending."""
        ...

    def keep_renditions_until(self, image: ImageRecord, until: datetime) -> None: ...


class Frames(Protocol):
    def get(self, frame_id: str) -> FrameRecord | None: ...
    def many(self, frame_ids: Iterable[str]) -> dict[str, FrameRecord]: ...
    def of_owner(self, owner_id: str) -> list[FrameRecord]: ...
    def add(self, frame: FrameRecord) -> bool:
        """Store a new frame; False when its id is taken."""
        ...

    def count_item(self, frame_id: str, change: int) -> None:
        """Keep ``active_items`` on write (never below zero)."""
        ...

    def show_next(self, frame_id: str, share_id: str, at: datetime) -> None: ...


class Shares(Protocol):
    """Shares and their deliveries (one per frame): one aggregate."""

    def get(self, share_id: str) -> ShareRecord | None: ...
    def deliveries(self, share: ShareRecord) -> list[DeliveryRecord]:
        """The share's deliveries in the order of ``share.frame_ids``."""
        ...

    def delivery(self, frame_id: str, share_id: str) -> DeliveryRecord | None: ...
    def live_on(self, frame_id: str) -> list[DeliveryRecord]:
        """Deliveries on a frame that are queued, delivered or displayed."""
        ...

    def add(self, share: ShareRecord, deliveries: list[DeliveryRecord]) -> None: ...
    def leave(self, frame_id: str, share_id: str, state: str) -> bool:
        """Move a live delivery to ``state`` (removed, expired); False when it was not live."""
        ...

    def attach_file(self, frame_id: str, share_id: str, file: dict[str, Any]) -> bool:
        """Give a delivery waiting for its file (queued, no file yet) the rendition ``file``
        (a ``Render`` result); False when it no longer waits (removed, purged, filled)."""
        ...

    def set_thumbnail(self, share_id: str, key: str) -> None:
        """Point the share's thumbnail at ``key`` (nothing when the share is gone)."""
        ...

    def purge(self, share: ShareRecord, deliveries: list[DeliveryRecord]) -> None: ...


class Friendships(Protocol):
    """Both sides of a relation; every method writes both sides together."""

    def get(self, user_id: str, other_id: str) -> FriendshipRecord | None: ...
    def friend_ids(self, user_id: str) -> list[str]: ...
    def of_state(self, user_id: str, state: str) -> list[FriendshipRecord]: ...
    def request(self, sender: UserRecord, recipient: UserRecord, at: datetime) -> None:
        """Write ``outgoing`` on the sender's side and ``incoming`` on the recipient's."""
        ...

    def settle(
        self, user_id: str, other_id: str, expect: str, then: str | None, at: datetime
    ) -> bool:
        """Move a pending request (``expect`` on this side) to ``then`` on both sides, or
        delete both (None); False when either side changed since it was read."""
        ...

    def unfriend(self, user_id: str, other_id: str) -> None: ...
    def block(self, user_id: str, other: UserRecord, at: datetime) -> None:
        """This side becomes ``blocked``; the other side is dropped unless it blocks too."""
        ...

    def unblock(self, user_id: str, other_id: str) -> bool: ...


class PairingSessions(Protocol):
    def open(self, session: PairingSessionRecord) -> bool:
        """Store a new session; False when its code is taken."""
        ...

    def get(self, code: str) -> PairingSessionRecord | None: ...
    def take(self, session: PairingSessionRecord, frame_id: str) -> bool:
        """pending -> claiming for ``frame_id``: only one claim can win."""
        ...

    def give_back(self, session: PairingSessionRecord) -> None:
        """claiming -> pending, after a claim failed half-way."""
        ...

    def complete(self, session: PairingSessionRecord, certificate_pem: str) -> None: ...


class Devices(Protocol):
    """The device CA and the IoT registry: what makes a frame able to connect."""

    def validate_csr(self, csr_pem: str) -> None: ...
    def provision(self, csr_pem: str, frame_id: str) -> tuple[str, str]:
        """Issue the frame's certificate and register it: ``(certificate_pem, certificate_id)``."""
        ...

    def server_root_pem(self) -> str: ...


class MediaStore(Protocol):
    def presigned_get_cached(self, key: str) -> str:
        """A short-lived download link for a stored file (see adapters/media_store.py)."""
        ...

    def presigned_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]:
        """A presigned POST (``url``, ``fields``) that admits exactly this file."""
        ...

    def delete(self, key: str) -> None: ...


class Timers(Protocol):
    def schedule(
        self, job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime
    ) -> None: ...

    def cancel(self, job: str, due_at: datetime, ref: dict[str, Any], *, now: datetime) -> None: ...


class RateLimiter(Protocol):
    def hit(
        self, action: str, subject: str, *, limit: int, window_seconds: int, message: str
    ) -> None:
        """Count one attempt; raise ``RateLimited`` once ``limit`` fell in the window."""
        ...


class Activity(Protocol):
    def count(self, user_id: str, counter: str, now: datetime, amount: int = 1) -> None: ...
    def record(self, user_id: str, kind: str, now: datetime, **detail: Any) -> None: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class FrameChannel(Protocol):
    def publish(self, frame_id: str) -> int:
        """Tell the frame its whole desired state now; returns the version published."""
        ...


class RenderQueue(Protocol):
    def request(self, jobs: Sequence[RenderRequest]) -> None:
        """Hand deliveries waiting for their file to the rendition workers."""
        ...


Render = Callable[["ImageRecord", str, str, "str | None", "str | None"], dict[str, Any]]
"""(image, panel, orientation, caption, sender label) -> the rendition's keys, digest, size."""

CachedRendition = Callable[
    ["ImageRecord", str, str, "str | None", "str | None"], "dict[str, Any] | None"
]
"""The same, when that rendition exists already; None otherwise. Decodes nothing."""


@dataclass(frozen=True)
class Deps:
    """Everything a service may touch, built once per container (``bootstrap.deps()``)."""

    settings: Settings
    users: Users
    images: Images
    frames: Frames
    shares: Shares
    friendships: Friendships
    pairing: PairingSessions
    devices: Devices
    media: MediaStore
    timers: Timers
    rate_limiter: RateLimiter
    activity: Activity
    mailer: Mailer
    frame_channel: FrameChannel
    render: Render
    cached_rendition: CachedRendition
    render_queue: RenderQueue
    clock: Callable[[], datetime]
    new_id: Callable[[str], str]
