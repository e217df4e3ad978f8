"""Firmware releases: registering them, and telling each frame its target version."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.adapters import media_store, tables
from chalicelib.adapters.conditional import save_if, update_if
from chalicelib.config import settings
from chalicelib.domain import releases as rules
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.timefmt import iso, utcnow

log = logging.getLogger(__name__)
UPDATE_STATES = ("downloading", "installing", "confirmed", "rolled_back", "failed")
HISTORY_DAYS = 365
MAX_NOTES = 20_000
GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def as_rule(r: tables.ReleaseRecord) -> rules.Release:
    return rules.Release(
        version=r.version,
        channel=r.channel,
        criticality=r.criticality,
        paused=r.paused,
        rollout_percent=int(r.rollout_percent),
        rollout_groups=tuple(r.rollout_groups or ()),
    )


def of_channel(channel: str, limit: int = 50) -> list[tables.ReleaseRecord]:
    """The newest releases of a channel (one query)."""
    return list(tables.ReleaseRecord.query(channel, scan_index_forward=False, limit=limit))


def register(
    *,
    version: str,
    channel: str,
    criticality: str,
    notes: str,
    bundle_key: str,
    sha256: str,
    signature: str,
    size: int,
    manifest: str | None = None,
    manifest_signature: str | None = None,
    rollout_percent: int = 100,
    rollout_groups: list[str] | None = None,
) -> tables.ReleaseRecord:
    """Record a release whose signed bundle is already in the bucket.

    ``manifest`` is the release manager's signed statement of version, channel, SHA-256 and
    size (infra/release/manifest.py); frames refuse a release without it. The signature is
    checked by the frames, not here (the backend holds no trusted key); the fields are checked
    so that a release cannot be registered under a manifest that its frames would refuse.
    """
    rules.parse_version(version)
    if channel not in rules.CHANNELS:
        raise ValidationFailed("channel must be stable or beta.", field="channel")
    if criticality not in rules.CRITICALITIES:
        raise ValidationFailed("Unknown criticality.", field="criticality")
    if not isinstance(notes, str) or not 1 <= len(notes) <= MAX_NOTES:
        raise ValidationFailed("Release notes are required (Markdown).", field="notes")
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationFailed("sha256 must be 64 hex characters.", field="sha256")
    try:
        if len(base64.b64decode(signature, validate=True)) != 64:
            raise ValueError
    except (ValueError, binascii.Error) as err:
        raise ValidationFailed(
            "signature must be a base64 Ed25519 signature.", field="signature"
        ) from err
    if (manifest is None) != (manifest_signature is None):
        raise ValidationFailed("A manifest needs its signature.", field="manifestSignature")
    if manifest is not None and manifest_signature is not None:
        _check_manifest(manifest, manifest_signature, version, channel, sha256, size)
    if not 0 <= rollout_percent <= 100:
        raise ValidationFailed("rollout_percent must be 0-100.", field="rolloutPercent")
    groups = rollout_groups or []
    if not all(GROUP_NAME.match(g) for g in groups):
        raise ValidationFailed("Group names are lowercase words.", field="rolloutGroups")
    record = tables.ReleaseRecord(
        channel,
        rules.version_key(version),
        version=version,
        notes=notes,
        criticality=criticality,
        bundle_key=bundle_key,
        sha256=sha256,
        signature=signature,
        manifest=manifest,
        manifest_signature=manifest_signature,
        bytes=size,
        created_at=utcnow(),
        rollout_percent=rollout_percent,
        rollout_groups=groups,
    )
    if not save_if(record, tables.ReleaseRecord.version_key.does_not_exist()):
        raise Conflict(f"Release {version} already exists on {channel}.")
    log.info("release registered", extra={"version": version, "channel": channel})
    return record


def _check_manifest(
    text: str, signature: str, version: str, channel: str, sha256: str, size: int
) -> None:
    try:
        if len(base64.b64decode(signature, validate=True)) != 64:
            raise ValueError
        fields = json.loads(text) if len(text) <= 1000 else None
    except (ValueError, binascii.Error) as err:
        raise ValidationFailed("manifest is not a signed manifest.", field="manifest") from err
    wanted = {"version": version, "channel": channel, "sha256": sha256, "bytes": size}
    if not isinstance(fields, dict) or any(fields.get(k) != v for k, v in wanted.items()):
        raise ValidationFailed("manifest does not describe this release.", field="manifest")


def set_rollout(
    channel: str, version: str, *, paused: bool | None = None, percent: int | None = None
) -> None:
    try:
        record = tables.ReleaseRecord.get(channel, rules.version_key(version))
    except tables.DoesNotExist as err:
        raise NotFound("No such release.") from err
    actions: list[Action] = []
    if paused is not None:
        actions.append(tables.ReleaseRecord.paused.set(paused))
    if percent is not None:
        actions.append(tables.ReleaseRecord.rollout_percent.set(max(0, min(100, percent))))
    if actions:
        record.update(actions=actions)


def target_for(
    frame: tables.FrameRecord, catalogue: list[tables.ReleaseRecord] | None = None
) -> tables.ReleaseRecord | None:
    found = catalogue if catalogue is not None else of_channel(frame.channel)
    by_version = {r.version: r for r in found}
    chosen = rules.target(
        [as_rule(r) for r in found],
        frame_id=frame.frame_id,
        group=frame.rollout_group,
        running=frame.firmware,
        failed=frozenset(frame.failed_firmware or ()),
    )
    return by_version[chosen.version] if chosen else None


def firmware_offer(
    frame: tables.FrameRecord, catalogue: list[tables.ReleaseRecord] | None = None
) -> str | None:
    """What the frame's desired state says about firmware, as one comparable string.

    ``"0.3.0 install"`` (install now), ``"0.3.0 offer"`` (available; waits for the owner's
    consent or automatic updates) or None. A frame is told whenever this changes, so a frame
    with automatic updates off hears of a release as soon as it is published, too.
    """
    release = target_for(frame, catalogue)
    if release is None:
        return None
    install = rules.may_install(
        as_rule(release), auto_update=frame.auto_update, requested=frame.update_requested
    )
    return offer_key(release.version, install)


def offer_key(version: str, install: bool) -> str:
    return f"{version} {'install' if install else 'offer'}"


def desired_firmware(frame: tables.FrameRecord) -> dict[str, Any] | None:
    """The ``firmware`` object of the frame's desired state (docs/protocol.md §3), or None."""
    release = target_for(frame)
    if release is None:
        return None
    install = rules.may_install(
        as_rule(release), auto_update=frame.auto_update, requested=frame.update_requested
    )
    url_ttl = settings().download_url_seconds
    return {
        "version": release.version,
        "criticality": release.criticality,
        "install": install,
        "file": {
            "url": media_store.presigned_get(release.bundle_key, expires_in=url_ttl),
            "urlExpiresAt": iso(utcnow() + timedelta(seconds=url_ttl)),
            "sha256": release.sha256,
            "bytes": int(release.bytes),
            "contentType": "application/gzip",
        },
        "signature": release.signature,
        "channel": release.channel,
        "manifest": release.manifest,
        "manifestSignature": release.manifest_signature,
    }


def describe(release: tables.ReleaseRecord) -> dict[str, Any]:
    return {
        "version": release.version,
        "channel": release.channel,
        "criticality": release.criticality,
        "notes": release.notes,
        "releasedAt": iso(release.created_at),
    }


def notes(
    channel: str, since_version: str | None, *, excluding: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Release notes of a channel, newest first; ``excluding`` leaves out versions a frame
    refused or rolled back (they are never offered to it again, so they are no news to it)."""
    found = [r for r in of_channel(channel) if not r.paused and r.version not in excluding]
    if since_version is not None:
        newer = {r.version for r in rules.since([as_rule(r) for r in found], since_version)}
        found = [r for r in found if r.version in newer]
    return [describe(r) for r in found]


def frame_firmware(frame: tables.FrameRecord) -> dict[str, Any]:
    """Version, available update, update in progress and history, for the owner."""
    release = target_for(frame)
    return {
        "version": frame.firmware,
        "channel": frame.channel,
        "autoUpdate": frame.auto_update,
        "available": describe(release) if release else None,
        "whatsNew": notes(
            frame.channel, frame.firmware, excluding=frozenset(frame.failed_firmware or ())
        ),
        "update": frame.update_state,
        "history": [
            {"version": h.version, "state": h.state, "reason": h.reason, "at": h.sk.split("#")[0]}
            for h in tables.FirmwareUpdateRecord.query(
                frame.frame_id, scan_index_forward=False, limit=50
            )
        ],
    }


def request_update(frame: tables.FrameRecord) -> str:
    """The owner pressed "update": the frame may install the available release now."""
    release = target_for(frame)
    if release is None:
        raise Conflict("This frame already runs the newest firmware.")
    frame.update(actions=[tables.FrameRecord.update_requested.set(release.version)])
    return release.version


def record_progress(frame_id: str, event: dict[str, Any]) -> str:
    """A frame's update report: downloading, installing, confirmed, rolled_back, failed."""
    state, version = event.get("state"), event.get("version")
    if state not in UPDATE_STATES or not isinstance(version, str) or len(version) > 32:
        return "ignored: malformed firmware event"
    reason = event.get("reason")
    reason = reason[:300] if isinstance(reason, str) else None
    now = utcnow()
    event_id = str(event.get("eventId") or "")[:64]
    precise = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # orders reports within a second
    tables.FirmwareUpdateRecord(
        frame_id,
        f"{precise}#{event_id}",
        version=version,
        state=state,
        reason=reason,
        ttl=int((now + timedelta(days=HISTORY_DAYS)).timestamp()),
    ).save()
    actions: list[Action] = [
        tables.FrameRecord.update_state.set(
            {"version": version, "state": state, "reason": reason, "at": iso(now)}
        )
    ]
    if state == "confirmed":
        actions += [
            tables.FrameRecord.firmware.set(version),
            tables.FrameRecord.update_requested.remove(),
        ]
    elif state in ("failed", "rolled_back"):
        failed = tables.FrameRecord.failed_firmware
        actions += [
            failed.set((failed | []).append([version])),
            tables.FrameRecord.update_requested.remove(),
        ]
    if not update_if(tables.FrameRecord(frame_id), actions, tables.FrameRecord.frame_id.exists()):
        return "ignored: unknown frame"
    return str(state)
