"""Register releases and steer rollouts with the backend's own code (``functions/chalicelib``).

It runs in-process, exactly as the Lambda would, against whatever AWS the environment points
at: the local cloud (``eval "$(python -m infra.localcloud env)"``) or a real stage (the release
manager's credentials plus ``SHAREFRAME_PREFIX`` and ``SHAREFRAME_MEDIA_BUCKET`` of that stage).
Importing this module starts the backend as a Lambda module does (``bootstrap.start()``: the
environment's settings, unless the process bound its own), so set the environment first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib import bootstrap
from chalicelib.adapters import media_store
from chalicelib.adapters.aws import client
from chalicelib.adapters.tables import ReleaseRecord
from chalicelib.config import settings
from chalicelib.domain import releases as rules
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.services import releases, rollouts
from infra.release.bundle import Bundle
from infra.release.manifest import SignedManifest

bootstrap.start(log_stream=sys.stderr)  # stdout carries the command's JSON answer
CONTENT_TYPE = "application/gzip"


@dataclass(frozen=True)
class Published:
    version: str
    channel: str
    bundle_key: str
    sha256: str
    size: int
    signature: str
    manifest: SignedManifest
    rollout_percent: int
    rollout_groups: tuple[str, ...]
    notified: int


def target_description() -> str:
    """Where this process would write: shown before acting, so nobody hits the wrong stage."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "?"
    return (
        f"prefix={settings().prefix} bucket={settings().media_bucket} "
        f"endpoint={endpoint} region={region}"
    )


def bundle_key(channel: str, version: str) -> str:
    return f"firmware/{channel}/{version}.tar.gz"


def find(channel: str, version: str) -> ReleaseRecord | None:
    try:
        return ReleaseRecord.get(channel, rules.version_key(version))
    except ReleaseRecord.DoesNotExist:
        return None


def _upload(key: str, bundle: Bundle) -> None:
    """Put the bundle at ``key``; an identical object already there is fine (a retried run)."""
    existing = media_store.head(key)
    if existing is not None:
        if existing.get("Metadata", {}).get("sha256") == bundle.sha256:
            return
        raise Conflict(f"s3://{settings().media_bucket}/{key} exists with other content.")
    client("s3").put_object(
        Bucket=settings().media_bucket,
        Key=key,
        Body=bundle.path.read_bytes(),
        ContentType=CONTENT_TYPE,
        CacheControl="private, max-age=31536000, immutable",
        Metadata={"sha256": bundle.sha256},
    )


def publish(
    bundle: Bundle,
    *,
    signature: str,
    manifest: SignedManifest,
    channel: str,
    criticality: str,
    notes: str,
    rollout_percent: int,
    rollout_groups: list[str],
    notify: bool = True,
) -> Published:
    """Upload the signed bundle and register the release with its signed manifest (then tell
    the frames it reaches)."""
    rules.parse_version(bundle.version)
    if channel not in rules.CHANNELS:
        raise ValidationFailed("channel must be stable or beta.", field="channel")
    if criticality not in rules.CRITICALITIES:
        raise ValidationFailed("Unknown criticality.", field="criticality")
    if not notes.strip():
        raise ValidationFailed("Release notes are required (Markdown).", field="notes")
    if find(channel, bundle.version) is not None:
        raise Conflict(f"Release {bundle.version} already exists on {channel}.")
    key = bundle_key(channel, bundle.version)
    _upload(key, bundle)
    releases.register(
        version=bundle.version,
        channel=channel,
        criticality=criticality,
        notes=notes,
        bundle_key=key,
        sha256=bundle.sha256,
        signature=signature,
        size=bundle.size,
        manifest=manifest.text,
        manifest_signature=manifest.signature,
        rollout_percent=rollout_percent,
        rollout_groups=rollout_groups,
    )
    notified = notify_frames(channel) if notify else 0
    return Published(
        bundle.version,
        channel,
        key,
        bundle.sha256,
        bundle.size,
        signature,
        manifest,
        rollout_percent,
        tuple(rollout_groups),
        notified,
    )


def set_rollout(
    channel: str,
    version: str,
    *,
    paused: bool | None = None,
    percent: int | None = None,
    notify: bool = True,
) -> int:
    """Pause, resume or resize a rollout; returns how many frames were told."""
    if percent is not None and not 0 <= percent <= 100:
        raise ValidationFailed("rollout percent must be 0-100.", field="percent")
    releases.set_rollout(channel, version, paused=paused, percent=percent)
    return notify_frames(channel) if notify else 0


def notify_frames(channel: str, *, on_frame: Callable[[str], None] | None = None) -> int:
    """Tell the frames of ``channel`` whose target changed (the backend's rollout service)."""
    return rollouts.notify_channel(channel, on_frame=on_frame)


def assign(frame_id: str, *, group: str | None = None, channel: str | None = None) -> None:
    """Put a frame in a rollout group and/or channel ("" clears the group), then republish."""
    rollouts.assign(frame_id, group=group, channel=channel)


def listing(channel: str) -> list[dict[str, Any]]:
    return [
        {
            "version": r.version,
            "criticality": r.criticality,
            "paused": bool(r.paused),
            "rolloutPercent": int(r.rollout_percent),
            "rolloutGroups": list(r.rollout_groups or []),
            "bytes": int(r.bytes),
            "sha256": r.sha256,
            "bundleKey": r.bundle_key,
            "releasedAt": r.created_at.isoformat() if r.created_at else None,
        }
        for r in releases.of_channel(channel)
    ]


def read_notes(path: Path) -> str:
    return path.read_text(encoding="utf-8")
