"""Parse and validate the desired-state message (protocol.md §3). Pure: no I/O.

Everything that arrives from the network is hostile until this module has said otherwise.
:func:`parse_desired_state` either returns a frozen :class:`DesiredState` or raises
:class:`InvalidDesiredState` — never any other exception, whatever bytes it is given.

    >>> state = parse_desired_state(payload, expected_frame_id="frm_01JD...")
    >>> state.version, [item.share_id for item in state.items]
"""

from __future__ import annotations

import base64
import json
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_ITEMS = 500
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ID_LENGTH = 128
MAX_TEXT_LENGTH = 1000
MAX_URL_LENGTH = 4096
MAX_INTERVAL_SECONDS = 7 * 86400
ORDERS = ("newest_first", "shuffle")
QUIET_MODES = ("keep", "clear")
MAX_FIRMWARE_BYTES = 64 * 1024 * 1024
_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
_ID_RE = re.compile(r"[A-Za-z0-9_\-]{1,128}")
_VERSION_RE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}([-+][0-9A-Za-z.]{1,20})?")
_HHMM_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


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


_MISSING = object()


def _field(obj: dict[str, Any], key: str, where: str, default: Any = _MISSING) -> Any:
    if key not in obj:
        if default is _MISSING:
            raise InvalidDesiredState(f"{where}.{key} is missing")
        return default
    return obj[key]


def _str(value: Any, where: str, *, max_len: int = MAX_TEXT_LENGTH, nullable: bool = False) -> Any:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise InvalidDesiredState(f"{where} must be a string")
    if len(value) > max_len:
        raise InvalidDesiredState(f"{where} is too long")
    return value


def _id(value: Any, where: str) -> str:
    text: str = _str(value, where, max_len=MAX_ID_LENGTH)
    if not _ID_RE.fullmatch(text):
        raise InvalidDesiredState(f"{where} is not a valid id")
    return text


def _int(value: Any, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidDesiredState(f"{where} must be an integer")
    if not low <= value <= high:
        raise InvalidDesiredState(f"{where} must be within {low}..{high}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidDesiredState(f"{where} must be a boolean")
    return value


def _timestamp(value: Any, where: str, *, nullable: bool = False) -> datetime | None:
    if value is None and nullable:
        return None
    text: str = _str(value, where, max_len=40)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidDesiredState(f"{where} is not an RFC 3339 timestamp") from exc
    if parsed.tzinfo is None:
        raise InvalidDesiredState(f"{where} must carry a time zone (Z)")
    return parsed


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidDesiredState(f"{where} must be an object")
    return value


def _url(value: Any, where: str) -> str:
    text: str = _str(value, where, max_len=MAX_URL_LENGTH)
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidDesiredState(f"{where} must be an http(s) URL")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InvalidDesiredState(f"{where} contains whitespace or control characters")
    return text


def _file(raw: Any, where: str, max_bytes: int = MAX_FILE_BYTES) -> FileRef:
    obj = _object(raw, where)
    sha = _str(_field(obj, "sha256", where), f"{where}.sha256", max_len=64)
    if not _SHA256_RE.fullmatch(sha):
        raise InvalidDesiredState(f"{where}.sha256 must be 64 hex characters")
    url_expires_at = _timestamp(
        _field(obj, "urlExpiresAt", where, None), f"{where}.urlExpiresAt", nullable=True
    )
    return FileRef(
        url=_url(_field(obj, "url", where), f"{where}.url"),
        url_expires_at=url_expires_at,
        sha256=sha.lower(),
        bytes=_int(_field(obj, "bytes", where), f"{where}.bytes", 1, max_bytes),
        content_type=_str(
            _field(obj, "contentType", where, "image/png"), f"{where}.contentType", max_len=100
        ),
    )


def _item(raw: Any, where: str) -> Item:
    obj = _object(raw, where)
    sent_at = _timestamp(_field(obj, "sentAt", where), f"{where}.sentAt")
    assert sent_at is not None
    return Item(
        share_id=_id(_field(obj, "shareId", where), f"{where}.shareId"),
        image_id=_id(_field(obj, "imageId", where), f"{where}.imageId"),
        sent_at=sent_at,
        expires_at=_timestamp(
            _field(obj, "expiresAt", where, None), f"{where}.expiresAt", nullable=True
        ),
        sender_name=_str(
            _field(obj, "senderName", where, None), f"{where}.senderName", nullable=True
        ),
        caption=_str(_field(obj, "caption", where, None), f"{where}.caption", nullable=True),
        file=_file(_field(obj, "file", where), f"{where}.file"),
    )


def _show_next(raw: Any) -> ShowNext | None:
    if raw is None:
        return None
    obj = _object(raw, "showNext")
    requested_at = _timestamp(_field(obj, "requestedAt", "showNext"), "showNext.requestedAt")
    assert requested_at is not None
    return ShowNext(_id(_field(obj, "shareId", "showNext"), "showNext.shareId"), requested_at)


def _firmware(raw: Any) -> FirmwareTarget | None:
    if raw is None:
        return None
    where = "firmware"
    obj = _object(raw, where)
    signature_text = _str(_field(obj, "signature", where), "firmware.signature", max_len=200)
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except ValueError as exc:
        raise InvalidDesiredState("firmware.signature is not base64") from exc
    if len(signature) != 64:
        raise InvalidDesiredState("firmware.signature is not an Ed25519 signature")
    version = _str(_field(obj, "version", where), "firmware.version", max_len=32)
    if not _VERSION_RE.fullmatch(version):
        raise InvalidDesiredState("firmware.version is not a version number")
    # A missing manifest is not a broken desired state: the updater refuses that release alone.
    manifest_signature_text = _str(
        obj.get("manifestSignature"), "firmware.manifestSignature", max_len=200, nullable=True
    )
    try:
        manifest_signature = (
            None
            if manifest_signature_text is None
            else base64.b64decode(manifest_signature_text, validate=True)
        )
    except ValueError as exc:
        raise InvalidDesiredState("firmware.manifestSignature is not base64") from exc
    return FirmwareTarget(
        version=version,
        criticality=_str(_field(obj, "criticality", where), "firmware.criticality", max_len=32),
        install=_bool(_field(obj, "install", where), "firmware.install"),
        file=_file(_field(obj, "file", where), "firmware.file", MAX_FIRMWARE_BYTES),
        signature=signature,
        channel=_str(obj.get("channel"), "firmware.channel", max_len=32, nullable=True),
        manifest=_str(obj.get("manifest"), "firmware.manifest", nullable=True),
        manifest_signature=manifest_signature,
    )


def _hhmm(value: Any, where: str) -> time:
    text: str = _str(value, where, max_len=5)
    match = _HHMM_RE.fullmatch(text)
    if not match:
        raise InvalidDesiredState(f"{where} must be HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def _settings(raw: Any) -> Settings:
    where = "settings"
    obj = _object(raw, where)
    quiet_raw = _field(obj, "quietHours", where, None)
    quiet = None
    if quiet_raw is not None:
        q = _object(quiet_raw, "settings.quietHours")
        mode = _str(_field(q, "mode", "settings.quietHours", "keep"), "settings.quietHours.mode")
        quiet = QuietHours(
            start=_hhmm(_field(q, "start", "settings.quietHours"), "settings.quietHours.start"),
            end=_hhmm(_field(q, "end", "settings.quietHours"), "settings.quietHours.end"),
            mode=mode if mode in QUIET_MODES else "keep",
        )
    time_zone = _str(_field(obj, "timeZone", where, "UTC"), "settings.timeZone", max_len=64)
    try:
        zoneinfo.ZoneInfo(time_zone)
    except Exception as exc:  # ZoneInfo raises several kinds for hostile keys
        raise InvalidDesiredState("settings.timeZone is not a known IANA time zone") from exc
    order = _str(_field(obj, "order", where, "newest_first"), "settings.order", max_len=32)
    if order not in ORDERS:
        raise InvalidDesiredState(f"settings.order must be one of {ORDERS}")
    return Settings(
        name=_str(_field(obj, "name", where, ""), "settings.name", max_len=200),
        panel=_str(_field(obj, "panel", where, None), "settings.panel", max_len=64, nullable=True),
        orientation=_str(
            _field(obj, "orientation", where, "landscape"), "settings.orientation", max_len=32
        ),
        interval_seconds=_int(
            _field(obj, "intervalSeconds", where),
            "settings.intervalSeconds",
            1,
            MAX_INTERVAL_SECONDS,
        ),
        order=order,
        quiet_hours=quiet,
        time_zone=time_zone,
        show_status=_bool(_field(obj, "showStatus", where, False), "settings.showStatus"),
    )


def _decode(payload: bytes | str) -> dict[str, Any]:
    if isinstance(payload, str):
        payload = payload.encode("utf-8", errors="surrogatepass")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidDesiredState("message is too large")
    try:
        decoded = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidDesiredState("message is not valid UTF-8 JSON") from exc
    return _object(decoded, "message")


def _parse(payload: bytes | str, expected_frame_id: str) -> DesiredState:
    obj = _decode(payload)
    schema = _int(_field(obj, "schema", "message"), "schema", 1, 1)
    frame_id = _str(_field(obj, "frameId", "message"), "frameId", max_len=MAX_ID_LENGTH)
    if frame_id != expected_frame_id:
        raise InvalidDesiredState("frameId names another frame")
    version = _int(_field(obj, "version", "message"), "version", 0, 2**62)
    issued_at = _timestamp(_field(obj, "issuedAt", "message"), "issuedAt")
    assert issued_at is not None
    paired = _bool(_field(obj, "paired", "message"), "paired")
    if paired:
        settings = _settings(_field(obj, "settings", "message"))
        raw_items = _field(obj, "items", "message")
    else:
        raw_settings = obj.get("settings")
        settings = Settings() if raw_settings is None else _settings(raw_settings)
        raw_items = obj.get("items") or []
    if not isinstance(raw_items, list):
        raise InvalidDesiredState("items must be a list")
    if len(raw_items) > MAX_ITEMS:
        raise InvalidDesiredState(f"items has more than {MAX_ITEMS} entries")
    items = tuple(_item(raw, f"items[{i}]") for i, raw in enumerate(raw_items))
    if len({item.share_id for item in items}) != len(items):
        raise InvalidDesiredState("items has a repeated shareId")
    return DesiredState(
        schema=schema,
        frame_id=frame_id,
        version=version,
        issued_at=issued_at,
        paired=paired,
        settings=settings,
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
