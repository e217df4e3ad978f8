"""Everything the frame keeps on disk, under ``state_dir``, so that a restart resumes.

Layout::

    credentials/private_key.pem   EC P-256 key, mode 0600 (never leaves the frame)
    credentials/certificate.pem   device certificate from pairing
    credentials/server_ca.pem     root that signs the broker's certificate
    credentials/frame.json        {"frameId", "mqtt": {"host", "port"}}
    desired.json                  the last applied desired-state message, verbatim
    files/<sha256>.png            downloaded panel-ready files (``.part`` while downloading)
    delivered.json, displayed.json  share ids already reported (each event is sent once)
    slideshow.json                slideshow position and shuffle bag
    outbox/<seq>.json             events not yet acknowledged by the broker, oldest first
    screen.png, screen.json       what the virtual display shows

Every write is atomic: a temporary file in the same directory, fsync, ``os.replace``, then
fsync of the directory. A process killed between the temporary's create and rename leaves it
behind; the next start removes it (``Store._remove_stale_temporaries``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DIR_MODE = 0o700
# atomic_write_bytes's temporary: ``.<name>.<pid>.<thread>.tmp`` beside its target.
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.\d+\.tmp$")


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: Path, value: Any, *, mode: int = 0o644) -> None:
    atomic_write_bytes(path, json.dumps(value, separators=(",", ":")).encode(), mode=mode)


def _read_json(path: Path, default: Any) -> Any:
    try:
        with path.open("rb") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return default
    except (OSError, ValueError):
        return default


@dataclass(frozen=True)
class Credentials:
    frame_id: str
    mqtt_host: str
    mqtt_port: int
    private_key_path: Path
    certificate_path: Path
    server_ca_path: Path


@dataclass(frozen=True)
class OutboxEntry:
    path: Path
    event: dict[str, Any]


class Store:
    """Thread-safe access to the frame's on-disk state."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir
        self.root.mkdir(parents=True, exist_ok=True)
        self.credentials_dir = self.root / "credentials"
        self.files_dir = self.root / "files"
        self.outbox_dir = self.root / "outbox"
        for directory in (self.credentials_dir, self.files_dir, self.outbox_dir):
            directory.mkdir(mode=_DIR_MODE, exist_ok=True)
        self._lock = threading.RLock()
        self._outbox_seq = 0
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self) -> None:
        """Delete what a write left when its process died between create and rename.

        Only another process's temporaries go: this process's own writes may be under way.
        """
        own = str(os.getpid())
        for directory in (self.root, self.credentials_dir, self.files_dir, self.outbox_dir):
            for path in directory.iterdir():
                match = _TEMPORARY.match(path.name)
                if match and match.group(1) != own:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()

    # -- credentials ---------------------------------------------------------------------
    def save_credentials(
        self,
        *,
        frame_id: str,
        private_key_pem: bytes,
        certificate_pem: str,
        server_ca_pem: str,
        mqtt_host: str,
        mqtt_port: int,
    ) -> Credentials:
        with self._lock:
            d = self.credentials_dir
            atomic_write_bytes(d / "private_key.pem", private_key_pem, mode=0o600)
            atomic_write_bytes(d / "certificate.pem", certificate_pem.encode(), mode=0o644)
            atomic_write_bytes(d / "server_ca.pem", server_ca_pem.encode(), mode=0o644)
            # frame.json last: its presence means "paired".
            atomic_write_json(
                d / "frame.json",
                {"frameId": frame_id, "mqtt": {"host": mqtt_host, "port": mqtt_port}},
                mode=0o600,
            )
        loaded = self.load_credentials()
        assert loaded is not None
        return loaded

    def load_credentials(self) -> Credentials | None:
        with self._lock:
            d = self.credentials_dir
            meta = _read_json(d / "frame.json", None)
            paths = [d / "private_key.pem", d / "certificate.pem", d / "server_ca.pem"]
            if not isinstance(meta, dict) or not all(p.is_file() for p in paths):
                return None
            mqtt = meta.get("mqtt")
            frame_id = meta.get("frameId")
            if not isinstance(mqtt, dict) or not isinstance(frame_id, str):
                return None
            host, port = mqtt.get("host"), mqtt.get("port")
            if not isinstance(host, str) or not isinstance(port, int):
                return None
            return Credentials(frame_id, host, port, paths[0], paths[1], paths[2])

    # -- desired state -------------------------------------------------------------------
    def save_desired(self, payload: bytes) -> None:
        with self._lock:
            atomic_write_bytes(self.root / "desired.json", payload, mode=0o600)

    def load_desired(self) -> bytes | None:
        with self._lock:
            try:
                return (self.root / "desired.json").read_bytes()
            except OSError:
                return None

    # -- files ---------------------------------------------------------------------------
    def file_path(self, sha256: str) -> Path:
        return self.files_dir / f"{sha256}.png"

    def partial_path(self, sha256: str) -> Path:
        return self.files_dir / f"{sha256}.part"

    def has_file(self, sha256: str) -> bool:
        return self.file_path(sha256).is_file()

    def stored_hashes(self) -> set[str]:
        return {p.stem for p in self.files_dir.glob("*.png")}

    def delete_files_except(self, keep: set[str]) -> list[str]:
        """Delete stored and partial files whose hash is not in ``keep``; return what went."""
        removed: list[str] = []
        with self._lock:
            for path in self.files_dir.iterdir():
                if path.suffix in (".png", ".part") and path.stem not in keep:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                    removed.append(path.name)
                elif path.name.endswith(".tmp"):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
            if removed:
                fsync_dir(self.files_dir)
        return removed

    # -- receipts ------------------------------------------------------------------------
    def _id_set(self, name: str) -> set[str]:
        value = _read_json(self.root / name, [])
        return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()

    def reported(self, kind: str) -> set[str]:
        """Share ids for which an event of ``kind`` ("delivered"/"displayed") was queued."""
        with self._lock:
            return self._id_set(f"{kind}.json")

    def mark_reported(self, kind: str, share_id: str) -> bool:
        """Remember a receipt; False if it was already remembered."""
        with self._lock:
            ids = self._id_set(f"{kind}.json")
            if share_id in ids:
                return False
            ids.add(share_id)
            atomic_write_json(self.root / f"{kind}.json", sorted(ids))
            return True

    def forget_reported_except(self, kind: str, keep: set[str]) -> None:
        with self._lock:
            ids = self._id_set(f"{kind}.json")
            if ids - keep:
                atomic_write_json(self.root / f"{kind}.json", sorted(ids & keep))

    # -- slideshow -----------------------------------------------------------------------
    def load_slideshow(self) -> dict[str, Any]:
        with self._lock:
            value = _read_json(self.root / "slideshow.json", {})
            return value if isinstance(value, dict) else {}

    def save_slideshow(self, value: dict[str, Any]) -> None:
        with self._lock:
            atomic_write_json(self.root / "slideshow.json", value)

    # -- outbox --------------------------------------------------------------------------
    def append_outbox(self, event: dict[str, Any]) -> Path:
        """Persist one event; it stays until :meth:`remove_outbox` after the broker's PUBACK."""
        with self._lock:
            self._outbox_seq += 1
            name = f"{time.time_ns():020d}-{self._outbox_seq:06d}.json"
            path = self.outbox_dir / name
            atomic_write_json(path, event, mode=0o600)
            return path

    def outbox(self) -> list[OutboxEntry]:
        """Queued events, oldest first. Unreadable entries are dropped."""
        with self._lock:
            entries: list[OutboxEntry] = []
            for path in sorted(self.outbox_dir.glob("*.json")):
                event = _read_json(path, None)
                if isinstance(event, dict):
                    entries.append(OutboxEntry(path, event))
                else:
                    with contextlib.suppress(OSError):
                        path.unlink()
            return entries

    def remove_outbox(self, entry: OutboxEntry) -> None:
        with self._lock, contextlib.suppress(FileNotFoundError):
            entry.path.unlink()

    # -- pairing loss --------------------------------------------------------------------
    def load_marker(self, name: str) -> float | None:
        value = _read_json(self.root / f"{name}.json", None)
        return float(value) if isinstance(value, (int, float)) else None

    def save_marker(self, name: str, value: float | None) -> None:
        with self._lock:
            path = self.root / f"{name}.json"
            if value is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            else:
                atomic_write_json(path, value)

    def wipe(self) -> None:
        """Forget photos, credentials and all state: the frame was unpaired."""
        with self._lock:
            for child in self.root.iterdir():
                if child.name in ("screen.png", "screen.json", "dashboard_code"):
                    continue
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        child.unlink()
            for directory in (self.credentials_dir, self.files_dir, self.outbox_dir):
                directory.mkdir(mode=_DIR_MODE, exist_ok=True)
            fsync_dir(self.root)

    def free_bytes(self) -> int:
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return 0
