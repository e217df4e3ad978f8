"""Parse and validate the desired-state message (protocol.md §3). Pure: no I/O.

Everything that arrives from the network is hostile until this module has said otherwise.
The protocol's schema (``frame_protocol/schema.json``, shared with the backend) says which
fields are required, their types and limits; this module adds what a schema cannot say (the
message names this frame, no share is listed twice, the time zone and dates exist) and turns
the message into frozen dataclasses. :func:`parse_desired_state` either returns a frozen
:class:`DesiredState` or raises :class:`InvalidDesiredState` — never any other exception,
whatever bytes it is given.

    >>> state = parse_desired_state(payload, expected_frame_id="frm_01JD...")
    >>> state.version, [item.share_id for item in state.items]
"""

from __future__ import annotations

import base64
import json
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from shareframe_frame import frame_protocol

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024  # a photo's file; the schema's item.file.bytes says the same
QUIET_MODES = ("keep", "clear")


class InvalidDesiredState(Exception):
    """The message is not a valid desired state for this frame; the reason is in ``str()``."""


@dataclass(frozen=True)
class FileRef:
    url: str
    url_expires_at: datetime | None
    sha256: str
    bytes: int
    content_type: str


@dataclass(frozen=True)
class Item:
    share_id: str
    image_id: str
    sent_at: datetime
    expires_at: datetime | None
    sender_name: str | None
    caption: str | None
    file: FileRef


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    mode: str = "keep"  # "keep" the photo on the panel, or "clear" it to a blank screen


@dataclass(frozen=True)
class ShowNext:
    """The owner asked to see ``share_id`` now (honoured once per ``requested_at``)."""

    share_id: str
    requested_at: datetime


@dataclass(frozen=True)
class FirmwareTarget:
    """The release this frame should run (protocol.md §6)."""

    version: str
    criticality: str
    install: bool
    file: FileRef
    signature: bytes
    channel: str | None = None
    manifest: str | None = None  # the signed release manifest, exactly as signed (firmware.py)
    manifest_signature: bytes | None = None


@dataclass(frozen=True)
class Settings:
    name: str = ""
    panel: str | None = None
    orientation: str = "landscape"
    interval_seconds: int = 900
    order: str = "newest_first"
    quiet_hours: QuietHours | None = None
    time_zone: str = "UTC"
    show_status: bool = False


@dataclass(frozen=True)
class DesiredState:
    schema: int
    frame_id: str
    version: int
    issued_at: datetime
    paired: bool
    settings: Settings
    items: tuple[Item, ...]
    show_next: ShowNext | None = None
    firmware: FirmwareTarget | None = None


def _timestamp(value: str | None, where: str) -> datetime | None:
    """The schema has checked the form (``...Z``); this catches a 31 February."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidDesiredState(f"{where} is not an RFC 3339 timestamp") from exc


def _required_timestamp(value: str, where: str) -> datetime:
    parsed = _timestamp(value, where)
    assert parsed is not None
    return parsed


def _file(obj: dict[str, Any], where: str) -> FileRef:
    return FileRef(
        url=obj["url"],
        url_expires_at=_timestamp(obj.get("urlExpiresAt"), f"{where}.urlExpiresAt"),
        sha256=obj["sha256"].lower(),
        bytes=int(obj["bytes"]),
        content_type=obj.get("contentType", "image/png"),
    )


def _item(obj: dict[str, Any], where: str) -> Item:
    return Item(
        share_id=obj["shareId"],
        image_id=obj["imageId"],
        sent_at=_required_timestamp(obj["sentAt"], f"{where}.sentAt"),
        expires_at=_timestamp(obj.get("expiresAt"), f"{where}.expiresAt"),
        sender_name=obj.get("senderName"),
        caption=obj.get("caption"),
        file=_file(obj["file"], f"{where}.file"),
    )


def _show_next(obj: dict[str, Any] | None) -> ShowNext | None:
    if obj is None:
        return None
    return ShowNext(obj["shareId"], _required_timestamp(obj["requestedAt"], "showNext.requestedAt"))


def _signature(text: str | None) -> bytes | None:
    # The schema allows only the base64 of exactly 64 bytes (an Ed25519 signature).
    return None if text is None else base64.b64decode(text, validate=True)


def _firmware(obj: dict[str, Any] | None) -> FirmwareTarget | None:
    if obj is None:
        return None
    signature = _signature(obj["signature"])
    assert signature is not None
    # A missing manifest is not a broken desired state: the updater refuses that release alone.
    return FirmwareTarget(
        version=obj["version"],
        criticality=obj["criticality"],
        install=obj["install"],
        file=_file(obj["file"], "firmware.file"),
        signature=signature,
        channel=obj.get("channel"),
        manifest=obj.get("manifest"),
        manifest_signature=_signature(obj.get("manifestSignature")),
    )


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _settings(obj: dict[str, Any] | None) -> Settings:
    if obj is None:
        return Settings()
    quiet_raw = obj.get("quietHours")
    quiet = None
    if quiet_raw is not None:
        mode = quiet_raw.get("mode", "keep")
        quiet = QuietHours(
            start=_hhmm(quiet_raw["start"]),
            end=_hhmm(quiet_raw["end"]),
            mode=mode if mode in QUIET_MODES else "keep",
        )
    time_zone = obj.get("timeZone", "UTC")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except Exception as exc:  # ZoneInfo raises several kinds for hostile keys
        raise InvalidDesiredState("settings.timeZone is not a known IANA time zone") from exc
    return Settings(
        name=obj.get("name", ""),
        panel=obj.get("panel"),
        orientation=obj.get("orientation", "landscape"),
        interval_seconds=int(obj["intervalSeconds"]),
        order=obj.get("order", "newest_first"),
        quiet_hours=quiet,
        time_zone=time_zone,
        show_status=obj.get("showStatus", False),
    )


def _decode(payload: bytes | str) -> Any:
    if isinstance(payload, str):
        payload = payload.encode("utf-8", errors="surrogatepass")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidDesiredState("message is too large")
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidDesiredState("message is not valid UTF-8 JSON") from exc


def _parse(payload: bytes | str, expected_frame_id: str) -> DesiredState:
    obj = _decode(payload)
    try:
        frame_protocol.check("desired", obj)
    except frame_protocol.ProtocolError as exc:
        raise InvalidDesiredState(str(exc)) from None
    if obj["frameId"] != expected_frame_id:
        raise InvalidDesiredState("frameId names another frame")
    paired: bool = obj["paired"]
    items = tuple(_item(raw, f"items[{i}]") for i, raw in enumerate(obj["items"]))
    if len({item.share_id for item in items}) != len(items):
        raise InvalidDesiredState("items has a repeated shareId")
    return DesiredState(
        schema=int(obj["schema"]),
        frame_id=obj["frameId"],
        version=int(obj["version"]),
        issued_at=_required_timestamp(obj["issuedAt"], "issuedAt"),
        paired=paired,
        settings=_settings(obj.get("settings")),
        items=items,
        show_next=_show_next(obj.get("showNext")) if paired else None,
        firmware=_firmware(obj.get("firmware")) if paired else None,
    )


def parse_desired_state(payload: bytes | str, expected_frame_id: str) -> DesiredState:
    """Parse one desired-state message for the frame ``expected_frame_id``.

    Unknown fields are ignored (forward compatibility). Raises only :class:`InvalidDesiredState`.
    """
    try:
        return _parse(payload, expected_frame_id)
    except InvalidDesiredState:
        raise
    except Exception as exc:  # defence in depth: the contract is "only InvalidDesiredState"
        raise InvalidDesiredState(f"unexpected error while parsing: {type(exc).__name__}") from exc
