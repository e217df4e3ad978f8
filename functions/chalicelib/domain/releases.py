"""Firmware releases: versions, rollouts, and what a frame should install.

Pure rules; the service layer reads the releases and the frame and applies them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from chalicelib.domain.errors import ValidationFailed

CRITICALITIES = ("critical", "important", "minor", "patch")
CHANNELS = ("stable", "beta")
_SEMVER = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")


def parse_version(value: object) -> tuple[int, int, int]:
    """``"1.4.2"`` -> ``(1, 4, 2)``; pre-release tags are not used (channels do that job)."""
    match = _SEMVER.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationFailed("A version looks like 1.4.2.", field="version")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def version_key(value: str) -> str:
    """A string that sorts like the version: ``"000001.000004.000002"``."""
    return ".".join(f"{part:06d}" for part in parse_version(value))


def newer(candidate: str, than: str | None) -> bool:
    if than is None:
        return True
    try:
        current = parse_version(than)
    except ValidationFailed:
        return True  # a frame reporting garbage gets the newest release
    return parse_version(candidate) > current


@dataclass(frozen=True)
class Release:
    version: str
    channel: str
    criticality: str
    paused: bool
    rollout_percent: int
    rollout_groups: tuple[str, ...]


def in_rollout(release: Release, frame_id: str, group: str | None) -> bool:
    """Percentage rollouts pick frames by a stable hash, so the same frames stay in as it grows."""
    if release.paused:
        return False
    if release.rollout_groups and group in release.rollout_groups:
        return True
    bucket = int(hashlib.sha256(f"{release.version}:{frame_id}".encode()).hexdigest()[:8], 16) % 100
    return bucket < release.rollout_percent


def target(
    releases: list[Release],
    *,
    frame_id: str,
    group: str | None,
    running: str | None,
    failed: frozenset[str] = frozenset(),
) -> Release | None:
    """The newest release this frame is in the rollout of, does not run yet, and has not
    failed to install (a version that failed or was rolled back is never offered again)."""
    eligible = [
        r
        for r in releases
        if in_rollout(r, frame_id, group) and newer(r.version, running) and r.version not in failed
    ]
    return max(eligible, key=lambda r: parse_version(r.version), default=None)


def may_install(release: Release, *, auto_update: bool, requested: str | None) -> bool:
    """Critical releases install on their own; others if the owner allows it or asked for it."""
    return release.criticality == "critical" or auto_update or requested == release.version


def since(releases: list[Release], running: str | None) -> list[Release]:
    """Releases newer than what the frame runs, newest first (the "what's new" list)."""
    return sorted(
        (r for r in releases if newer(r.version, running)),
        key=lambda r: parse_version(r.version),
        reverse=True,
    )
