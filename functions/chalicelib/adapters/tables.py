"""DynamoDB tables as PynamoDB models: the persistence adapter.

Table names come from the stage's resource prefix, bound at startup (``bind``, called by
``chalicelib.bootstrap.start``): until then every model names an "unbound-..." table that does
not exist, so nothing can quietly reach a table of another stage. Key schemas and indexes must
match ``infra/template.json`` exactly (a test checks this). Every access pattern uses a key or
an index: no model here is ever scanned.

This module is loaded on first use (adapters/__init__.py): it imports PynamoDB, hence botocore.
So it is also where the rest of the code finds PynamoDB's exceptions and its transactions
(``tables.DoesNotExist``, ``tables.transaction()``): a module that imported them from PynamoDB
itself would load the SDK at its own import.
"""

from __future__ import annotations

from typing import Any

import pynamodb.connection.base
from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError as DeleteError
from pynamodb.exceptions import DoesNotExist as DoesNotExist
from pynamodb.exceptions import PutError as PutError
from pynamodb.exceptions import TransactWriteError as TransactWriteError
from pynamodb.exceptions import UpdateError as UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import config
from chalicelib.adapters import aws
from chalicelib.config import Settings

UNBOUND = "unbound"
# PynamoDB gives each table's connection a botocore session of its own, found through this name;
# every table's client comes from the process's one session instead (adapters/aws.py: a new
# session costs ~0.1 s of CPU at its first client, so a cold start touching four tables paid 4x).
pynamodb.connection.base.get_session = aws.session  # type: ignore[attr-defined]


def _meta(name: str) -> type:
    class Meta:
        table = name  # the name without the stage prefix, as in infra/template.json
        table_name = f"{UNBOUND}-{name}"

    return Meta


class UserRecord(Model):
    Meta: Any = _meta("users")
    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    display_name = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    verified = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    # Access tokens issued before this instant (epoch seconds) are refused: bumped on password
    # change, reset and deletion so that every other session ends at once.
    tokens_valid_after = NumberAttribute(default=0)
    findable = BooleanAttribute(default=True)
    time_zone = UnicodeAttribute(default="UTC")
    photo_count = NumberAttribute(default=0)
    friend_code = UnicodeAttribute(null=True)
    # Opt-in e-mail notifications by kind: friendRequest, photoDisplayed, frameOffline.
    notifications = JSONAttribute(default=dict)
    pending_email = UnicodeAttribute(null=True)
    # When the owner was last told that someone tried to sign up with this address.
    signup_attempt_mailed_at = UTCDateTimeAttribute(null=True)
    known_browsers = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]


class UserEmailRecord(Model):
    """Makes e-mail addresses unique: written in the same transaction as the user."""

    Meta: Any = _meta("user-emails")
    email = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class SessionRecord(Model):
    """A refresh-token family: one per login, rotated on every refresh."""

    class UserIndex(GlobalSecondaryIndex["SessionRecord"]):
        class Meta:
            index_name = "user-index"
            projection = AllProjection()

        user_id = UnicodeAttribute(hash_key=True)
        session_id = UnicodeAttribute(range_key=True)

    Meta: Any = _meta("sessions")
    session_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    by_user = UserIndex()
    token_hash = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    ttl = NumberAttribute()
    user_agent = UnicodeAttribute(null=True)


class RateLimitRecord(Model):
    """A fixed-window counter; ``key`` names the action, the subject and the window."""

    Meta: Any = _meta("rate-limits")
    key = UnicodeAttribute(hash_key=True)
    attempts = NumberAttribute(default=0)
    ttl = NumberAttribute()


class ImageRecord(Model):
    class ShaIndex(GlobalSecondaryIndex["ImageRecord"]):
        """Finds an earlier upload of the same bytes by the same user."""

        class Meta:
            index_name = "sha-index"
            projection = KeysOnlyProjection()

        user_id = UnicodeAttribute(hash_key=True)
        sha256 = UnicodeAttribute(range_key=True)

    Meta: Any = _meta("images")
    user_id = UnicodeAttribute(hash_key=True)
    image_id = UnicodeAttribute(range_key=True)
    state = UnicodeAttribute(default="pending")
    reason = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute()
    declared_bytes = NumberAttribute()
    filename = UnicodeAttribute(null=True)
    title = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    captured_at = UTCDateTimeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    focal_x = NumberAttribute(default=0.5)
    focal_y = NumberAttribute(default=0.5)
    sha256 = UnicodeAttribute(null=True)
    by_sha = ShaIndex()
    duplicate_of = UnicodeAttribute(null=True)
    delete_at = UTCDateTimeAttribute(null=True)
    # Keyed by "<panel>:<orientation>:<focal x>,<focal y>"; a changed focal point makes new ones.
    renditions = JSONAttribute(default=dict)
    # The latest expiry of any share made from this photo ("deleted" photos keep their
    # renditions until then, so frames can still download them).
    shares_until = UTCDateTimeAttribute(null=True)


class FrameRecord(Model):
    class OwnerIndex(GlobalSecondaryIndex["FrameRecord"]):
        class Meta:
            index_name = "owner-index"
            projection = AllProjection()

        owner_id = UnicodeAttribute(hash_key=True)
        frame_id = UnicodeAttribute(range_key=True)

    class ChannelIndex(GlobalSecondaryIndex["FrameRecord"]):
        """The frames of a firmware channel: whom a release, pause or rollout change concerns."""

        class Meta:
            index_name = "channel-index"
            projection = AllProjection()

        channel = UnicodeAttribute(hash_key=True)
        frame_id = UnicodeAttribute(range_key=True)

    Meta: Any = _meta("frames")
    frame_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    by_owner = OwnerIndex()
    by_channel = ChannelIndex()
    name = UnicodeAttribute()
    panel = UnicodeAttribute()
    orientation = UnicodeAttribute(default="landscape")
    interval_seconds = NumberAttribute(default=900)
    order = UnicodeAttribute(default="newest_first")
    quiet_hours = JSONAttribute(null=True)
    time_zone = UnicodeAttribute(default="UTC")
    show_status = BooleanAttribute(default=True)
    send_policy = UnicodeAttribute(default="friends")
    allowed_senders = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # How long photos stay when the sender does not choose (domain.sharing.DURATIONS).
    default_duration = UnicodeAttribute(default="24h")
    certificate_id = UnicodeAttribute()
    state_version = NumberAttribute(default=0)
    # When IoT Core last refused its desired state: it is published again when the frame next
    # reports in (services/frame_reports.py); the next publish clears it.
    publish_failed_at = UTCDateTimeAttribute(null=True)
    # Who is publishing its desired state (a token) and until when (epoch s), and whether word
    # was left for that publisher to publish once more (services/frame_sync.py).
    publisher = UnicodeAttribute(null=True)
    publisher_until = NumberAttribute(null=True)
    publish_again = BooleanAttribute(null=True)
    # Live deliveries on this frame, kept on write (the dashboard sums it over a user's frames).
    active_items = NumberAttribute(default=0)
    online = BooleanAttribute(default=False)
    # The IoT lifecycle event (ms) that set ``online``: an older one arriving late is dropped.
    presence_at = NumberAttribute(null=True)
    last_seen_at = UTCDateTimeAttribute(null=True)
    # Resyncs (and firmware checks) let through in the current minute: limited per frame.
    resync_window = NumberAttribute(null=True)
    resync_count = NumberAttribute(null=True)
    firmware = UnicodeAttribute(null=True)
    free_bytes = NumberAttribute(null=True)
    battery = NumberAttribute(null=True)
    next_wake_at = UnicodeAttribute(null=True)
    showing = UnicodeAttribute(null=True)
    # {"shareId", "requestedAt"}: the owner's (or sender's) "show this now".
    show_next = JSONAttribute(null=True)
    pairing_code = UnicodeAttribute(null=True)
    # Firmware: the owner's choice of automatic updates, the rollout group, the channel, an
    # update the owner asked for, and the last progress the frame reported.
    auto_update = BooleanAttribute(default=True)
    rollout_group = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(default="stable")
    update_requested = UnicodeAttribute(null=True)
    update_state = JSONAttribute(null=True)
    # Versions this frame failed to install or rolled back: never offered to it again.
    failed_firmware = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # The firmware offer last published in its desired state (releases.firmware_offer):
    # "0.3.0 install" or "0.3.0 offer"; a release, pause or rollout retells only frames whose
    # offer changed.
    published_firmware = UnicodeAttribute(null=True)
    offline_notice_for = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class PairingSessionRecord(Model):
    Meta: Any = _meta("pairing-sessions")
    code = UnicodeAttribute(hash_key=True)
    poll_token_hash = UnicodeAttribute()
    csr_pem = UnicodeAttribute()
    panel = UnicodeAttribute()
    firmware = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    ttl = NumberAttribute()
    state = UnicodeAttribute(default="pending")
    frame_id = UnicodeAttribute(null=True)
    certificate_pem = UnicodeAttribute(null=True)


class ShareRecord(Model):
    class SenderIndex(GlobalSecondaryIndex["ShareRecord"]):
        class Meta:
            index_name = "sender-index"
            projection = AllProjection()

        sender_id = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    Meta: Any = _meta("shares")
    share_id = UnicodeAttribute(hash_key=True)
    sender_id = UnicodeAttribute()
    by_sender = SenderIndex()
    sender_name = UnicodeAttribute()
    image_id = UnicodeAttribute()
    caption = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute(null=True)
    frame_ids = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    thumbnail_key = UnicodeAttribute(null=True)  # what the first frame shows, small


class DeliveryRecord(Model):
    """One share on one frame: what the frame's desired state is built from."""

    class OwnerIndex(GlobalSecondaryIndex["DeliveryRecord"]):
        """What arrived on a user's frames, newest first (share ids sort by time)."""

        class Meta:
            index_name = "owner-index"
            projection = AllProjection()

        frame_owner_id = UnicodeAttribute(hash_key=True)
        share_id = UnicodeAttribute(range_key=True)

    Meta: Any = _meta("deliveries")
    frame_id = UnicodeAttribute(hash_key=True)
    share_id = UnicodeAttribute(range_key=True)
    frame_owner_id = UnicodeAttribute()
    by_owner = OwnerIndex()
    sender_id = UnicodeAttribute()
    sender_name = UnicodeAttribute()
    image_id = UnicodeAttribute()
    caption = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default="queued")
    sent_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    displayed_at = UTCDateTimeAttribute(null=True)
    # The panel file; absent while the delivery waits for it (queued, rendered in the background
    # by services/delivery_files.py): the frame's desired state leaves such a delivery out.
    file_key = UnicodeAttribute(null=True)
    file_sha256 = UnicodeAttribute(null=True)
    file_bytes = NumberAttribute(null=True)
    # A small JPEG of the file as the panel shows it (the photo's own thumbnail until then).
    thumbnail_key = UnicodeAttribute(null=True)


class FriendshipRecord(Model):
    """One side of a relation between two users: both sides are written together.

    ``state`` is ``friends``, ``outgoing`` / ``incoming`` (a pending request) or ``blocked``
    (this user blocked the other).
    """

    Meta: Any = _meta("friendships")
    user_id = UnicodeAttribute(hash_key=True)
    other_id = UnicodeAttribute(range_key=True)
    state = UnicodeAttribute()
    other_name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class FriendCodeRecord(Model):
    """Friend code -> user; written with the user so codes are unique."""

    Meta: Any = _meta("friend-codes")
    code = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class TimerRecord(Model):
    """Work that falls due at a time: the scheduled jobs' only way to find their work.

    ``bucket`` is ``"<job>#<YYYY-MM-DD>#<shard>"`` (the day it falls due, one of
    ``timers.SHARDS`` shards); ``sort`` is ``"<due ISO>#<ref>"``. A sweep reads each shard's
    buckets of the days that have passed up to now, so its cost follows the work that is due,
    never the size of any table.
    """

    Meta: Any = _meta("timers")
    bucket = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)
    job = UnicodeAttribute()
    ref = JSONAttribute()
    due_at = UTCDateTimeAttribute()


class ActivityRecord(Model):
    """Per-user counters by day (``day#YYYY-MM-DD``) and a feed (``feed#<ISO>#<id>``)."""

    Meta: Any = _meta("activity")
    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    sent = NumberAttribute(null=True)
    received = NumberAttribute(null=True)
    displayed = NumberAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)
    ttl = NumberAttribute(null=True)
    # On the ``seen`` item: the newest feed entry the user has seen (notifications).
    seen_at = UnicodeAttribute(null=True)


class ReleaseRecord(Model):
    """A firmware release; ``version_key`` sorts by semantic version (zero-padded)."""

    Meta: Any = _meta("releases")
    channel = UnicodeAttribute(hash_key=True)
    version_key = UnicodeAttribute(range_key=True)
    version = UnicodeAttribute()
    notes = UnicodeAttribute()
    criticality = UnicodeAttribute()
    bundle_key = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    signature = UnicodeAttribute()
    manifest = UnicodeAttribute(null=True)  # signed by the release key (infra/release/manifest.py)
    manifest_signature = UnicodeAttribute(null=True)
    bytes = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    paused = BooleanAttribute(default=False)
    rollout_percent = NumberAttribute(default=100)
    rollout_groups = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]


class FirmwareUpdateRecord(Model):
    """A frame's update history: one item per progress report (``sk`` = ``<ISO>#<event id>``)."""

    Meta: Any = _meta("firmware-updates")
    frame_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    version = UnicodeAttribute()
    state = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    ttl = NumberAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    UserRecord,
    UserEmailRecord,
    SessionRecord,
    RateLimitRecord,
    ImageRecord,
    FrameRecord,
    PairingSessionRecord,
    ShareRecord,
    DeliveryRecord,
    FriendshipRecord,
    FriendCodeRecord,
    TimerRecord,
    ActivityRecord,
    ReleaseRecord,
    FirmwareUpdateRecord,
)


def bind(settings: Settings) -> None:
    """Point every model at the tables of ``settings``' stage (PynamoDB reconnects on change)."""
    for model in ALL_MODELS:
        meta: Any = model.Meta  # built by _meta()
        meta.table_name = settings.table_name(meta.table)


def transaction() -> TransactWrite:
    """A write transaction (``with tables.transaction() as tx: tx.save(...)``)."""
    return TransactWrite(connection=Connection())


# The settings bound now (bootstrap.start) and whenever they are bound again (tests).
config.follow(bind)
