"""What a frame owner controls, and the rules those settings must follow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.sharing import DEFAULT_DURATION, DURATIONS

MIN_INTERVAL_SECONDS = 3 * 60
MAX_INTERVAL_SECONDS = 24 * 60 * 60
ORIENTATIONS = ("landscape", "portrait")
ORDERS = ("newest_first", "shuffle")
SEND_POLICIES = ("owner", "friends", "chosen")
QUIET_MODES = ("clear", "keep")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class FrameSettings:
    name: str
    panel: str
    orientation: str = "landscape"
    interval_seconds: int = 15 * 60
    order: str = "newest_first"
    quiet_hours: dict[str, str] | None = None
    time_zone: str = "UTC"
    show_status: bool = False
    send_policy: str = "friends"
    allowed_senders: tuple[str, ...] = field(default_factory=tuple)
    # How long a photo stays when its sender does not choose (a key of sharing.DURATIONS).
    # The frame never needs it: it is not part of ``as_message``.
    default_duration: str = DEFAULT_DURATION

    def as_message(self) -> dict[str, Any]:
        """The ``settings`` object of the desired state (docs/protocol.md §3)."""
        return {
            "name": self.name,
            "panel": self.panel,
            "orientation": self.orientation,
            "intervalSeconds": self.interval_seconds,
            "order": self.order,
            "quietHours": self.quiet_hours,
            "timeZone": self.time_zone,
            "showStatus": self.show_status,
        }


def validate_name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 40:
        raise ValidationFailed("A frame name must be 1-40 characters.", field="name")
    return value.strip()


def apply_changes(
    current: FrameSettings, changes: dict[str, Any], panels: frozenset[str]
) -> FrameSettings:
    """Validate a PATCH body against the rules; unknown keys are refused, not ignored."""
    allowed = {
        "name",
        "intervalSeconds",
        "orientation",
        "panel",
        "order",
        "quietHours",
        "timeZone",
        "showStatus",
        "sendPolicy",
        "allowedSenders",
        "defaultDuration",
    }
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationFailed(f"Unknown setting: {unknown[0]}.", field=unknown[0])
    updated = current
    if "name" in changes:
        updated = replace(updated, name=validate_name(changes["name"]))
    if "intervalSeconds" in changes:
        value = changes["intervalSeconds"]
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not MIN_INTERVAL_SECONDS <= value <= MAX_INTERVAL_SECONDS
        ):
            raise ValidationFailed(
                "The slideshow interval must be between 3 minutes and 24 hours.",
                field="intervalSeconds",
            )
        updated = replace(updated, interval_seconds=value)
    if "orientation" in changes:
        updated = replace(updated, orientation=_choice(changes, "orientation", ORIENTATIONS))
    if "order" in changes:
        updated = replace(updated, order=_choice(changes, "order", ORDERS))
    if "panel" in changes:
        updated = replace(updated, panel=_choice(changes, "panel", tuple(sorted(panels))))
    if "sendPolicy" in changes:
        updated = replace(updated, send_policy=_choice(changes, "sendPolicy", SEND_POLICIES))
    if "defaultDuration" in changes:
        updated = replace(
            updated, default_duration=_choice(changes, "defaultDuration", tuple(DURATIONS))
        )
    if "showStatus" in changes:
        if not isinstance(changes["showStatus"], bool):
            raise ValidationFailed("showStatus must be true or false.", field="showStatus")
        updated = replace(updated, show_status=changes["showStatus"])
    if "timeZone" in changes:
        updated = replace(updated, time_zone=validate_time_zone(changes["timeZone"]))
    if "quietHours" in changes:
        updated = replace(updated, quiet_hours=_quiet_hours(changes["quietHours"]))
    if "allowedSenders" in changes:
        value = changes["allowedSenders"]
        if (
            not isinstance(value, list)
            or len(value) > 200
            or not all(isinstance(v, str) and len(v) < 64 for v in value)
        ):
            raise ValidationFailed(
                "allowedSenders must be a list of user ids.", field="allowedSenders"
            )
        updated = replace(updated, allowed_senders=tuple(dict.fromkeys(value)))
    return updated


def validate_time_zone(value: object) -> str:
    if not isinstance(value, str) or len(value) > 64:
        raise ValidationFailed("Unknown time zone.", field="timeZone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValidationFailed("Unknown time zone.", field="timeZone") from err
    return value


def _choice(changes: dict[str, Any], key: str, options: tuple[str, ...]) -> str:
    value = changes[key]
    if value not in options:
        raise ValidationFailed(f"{key} must be one of: {', '.join(options)}.", field=key)
    return str(value)


def _quiet_hours(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("start"), str)
        or not isinstance(value.get("end"), str)
        or not _HHMM.match(value["start"])
        or not _HHMM.match(value["end"])
        or value.get("mode", "keep") not in QUIET_MODES
        or set(value) - {"start", "end", "mode"}
    ):
        raise ValidationFailed(
            'Quiet hours look like {"start": "22:00", "end": "07:00", "mode": "keep"}.',
            field="quietHours",
        )
    return {"start": value["start"], "end": value["end"], "mode": value.get("mode", "keep")}
