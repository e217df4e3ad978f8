"""Install a new frame software release (protocol.md §6), with confirmation and rollback.

Layout under ``firmware_root`` (the systemd unit runs ``launcher.py`` from there)::

    versions/<version>/shareframe_frame/...   one directory per installed release
    current  -> versions/<version>            what the launcher starts (switched atomically)
    previous -> versions/<version>            the last confirmed release, kept until the next
                                              one is confirmed
    staging/<version>.tar.gz(.part)           downloads in progress (resumable)
    launcher.py                               stdlib-only starter that rolls back crash loops

A bundle is a gzip tarball with ``shareframe_frame/`` at its top level. Before anything is
downloaded, the release's signed manifest (infra/release/manifest.py) must verify against the
public key in the frame's configuration (never one from the network) and name the offered
version and channel; a version below the highest ever confirmed needs the manifest's
``rollback: true``. The bundle is installed only if its size and SHA-256 equal the manifest's,
its own Ed25519 signature verifies and the ``__version__`` inside it is the offered one.
After switching ``current`` the frame restarts; the new version confirms once it has
connected and reconciled (:func:`confirm_if_pending`), else it is rolled back (deadline here,
crash loops in the launcher).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shareframe_frame.checksum import sha256_hex
from shareframe_frame.desired_state import FirmwareTarget
from shareframe_frame.download import DownloadError, download_file
from shareframe_frame.store import Store, atomic_write_json, fsync_dir

if TYPE_CHECKING:
    from tarfile import TarFile

log = logging.getLogger(__name__)

PENDING = "firmware_pending.json"
HIGHEST = "firmware_highest.json"  # the highest version this frame ever confirmed: the floor
FAILED = "firmware_failed.json"  # versions refused or rolled back: never tried again
CONFIRM_WITHIN_SECONDS = 10 * 60
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
RESTART_EXIT_CODE = 75  # EX_TEMPFAIL: systemd (Restart=always) starts the new version

Emit = Callable[[dict[str, Any]], None]


class FirmwareError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Manifest:
    """What the release manager signed about a release (besides the bundle bytes)."""

    version: str
    channel: str
    sha256: str
    bytes: int
    rollback: bool


def verified_manifest(key: ReleaseKey, target: FirmwareTarget) -> Manifest:
    """The target's manifest, if its signature verifies and it describes exactly this offer."""
    if target.manifest is None or target.manifest_signature is None:
        raise FirmwareError("manifest_missing")
    if not key.verify(target.manifest_signature, target.manifest.encode()):
        raise FirmwareError("manifest_signature_invalid")
    try:
        fields = json.loads(target.manifest)
    except ValueError as exc:
        raise FirmwareError("manifest_mismatch") from exc
    offered = {
        "schema": 1,
        "version": target.version,
        "channel": target.channel,
        "sha256": target.file.sha256,
        "bytes": target.file.bytes,
    }
    if (
        not isinstance(fields, dict)
        or not isinstance(target.channel, str)
        or any(fields.get(name) != value or fields[name] is True for name, value in offered.items())
    ):
        # Equal values of the offer's own types: "bytes": true would otherwise pass as 1.
        raise FirmwareError("manifest_mismatch")
    return Manifest(
        version=target.version,
        channel=target.channel,
        sha256=target.file.sha256,
        bytes=target.file.bytes,
        rollback=fields.get("rollback", False) is True,
    )


def version_key(version: str) -> tuple[int, ...] | None:
    """``1.4.2`` -> (1, 4, 2); None for anything that is not X.Y.Z."""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def highest_confirmed(state_dir: Path, running_version: str) -> str:
    """The version below which nothing is installed: the highest confirmed, or the running one."""
    try:
        stored = json.loads((state_dir / HIGHEST).read_text()).get("version")
    except (OSError, ValueError, AttributeError):
        stored = None
    candidates = [v for v in (stored, running_version) if isinstance(v, str) and version_key(v)]
    return max(candidates, key=lambda v: version_key(v) or (), default=running_version)


def note_confirmed(state_dir: Path, version: str) -> None:
    if version_key(version) is None:
        return
    if (version_key(highest_confirmed(state_dir, version)) or ()) <= (version_key(version) or ()):
        atomic_write_json(state_dir / HIGHEST, {"version": version})


def bundled_version(unpacked: Path) -> str | None:
    """The ``__version__`` stamped into the bundle's own ``__init__.py`` (signed bytes)."""
    try:
        source = (unpacked / "shareframe_frame" / "__init__.py").read_text()
    except (OSError, UnicodeDecodeError):
        return None
    for line in source.splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "__version__":
            return value.strip().strip("\"'")
    return None


@dataclass(frozen=True)
class ReleaseKey:
    """The trusted Ed25519 public key (32 raw bytes).

    cryptography is loaded to verify a bundle (at most once per release), not at start: it is
    the largest library the frame has, and a frame at rest does not need it.
    """

    raw: bytes

    def verify(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True


def load_public_key(text: str) -> ReleaseKey:
    """The trusted key from the configuration: base64 of the 32 raw bytes."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return ReleaseKey(raw)


def failed_versions(state_dir: Path) -> set[str]:
    """Releases this frame refused or rolled back (kept across restarts: see note_failed)."""
    try:
        value = json.loads((state_dir / FAILED).read_text())
    except (OSError, ValueError):
        return set()
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def note_failed(state_dir: Path, version: str) -> None:
    """Remember a failed release so that a restarted frame does not install it again."""
    known = failed_versions(state_dir)
    if version not in known:
        atomic_write_json(state_dir / FAILED, sorted(known | {version})[-50:])


def firmware_event(state: str, version: str, at: str, reason: str | None = None) -> dict[str, Any]:
    import uuid

    event: dict[str, Any] = {
        "type": "firmware",
        "eventId": str(uuid.uuid4()),
        "version": version,
        "state": state,
        "at": at,
    }
    if reason:
        event["reason"] = reason
    return event


def switch_link(root: Path, name: str, target: Path) -> None:
    """Point ``root/name`` at ``target`` atomically (symlink beside it, then rename)."""
    tmp = root / f".{name}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(target.relative_to(root))
    tmp.replace(root / name)
    fsync_dir(root)


def safe_extract(bundle: Path, destination: Path) -> None:
    """Unpack a tarball refusing links, devices, absolute paths, ``..`` and huge contents.

    Raises FirmwareError, or ``bundle_unreadable`` for a corrupt archive. tarfile (and the
    compression modules it loads) is imported here, at most once per install."""
    import tarfile

    try:
        with tarfile.open(bundle, "r:gz") as tar:
            _extract(tar, destination)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FirmwareError("bundle_unreadable") from exc
    if not (destination / "shareframe_frame" / "__main__.py").is_file():
        raise FirmwareError("bundle_not_a_frame_release")


def _extract(tar: TarFile, destination: Path) -> None:
    total = 0
    members = tar.getmembers()
    for member in members:
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise FirmwareError("bundle_path_escape")
        if not (member.isfile() or member.isdir()):
            raise FirmwareError("bundle_special_file")
        total += member.size
        if total > MAX_UNPACKED_BYTES:
            raise FirmwareError("bundle_too_large")
    tar.extractall(destination, members=members, filter="data")


class FirmwareUpdater:
    """Runs on the reconcile worker: never on the display thread."""

    def __init__(
        self,
        root: Path,
        public_key: ReleaseKey,
        *,
        running_version: str,
        store: Store,
        emit: Emit,
        now_text: Callable[[], str],
        may_install_now: Callable[[], bool],
        request_restart: Callable[[], None],
        download: Callable[..., None] = download_file,
        confirm_within: float = CONFIRM_WITHIN_SECONDS,
    ) -> None:
        self._root = root
        self._key = public_key
        self._running = running_version
        self._store = store
        self._emit = emit
        self._now = now_text
        self._may_install_now = may_install_now
        self._restart = request_restart
        self._download = download
        self._confirm_within = confirm_within
        self._failed: set[str] = set()

    def consider(self, target: FirmwareTarget | None) -> None:
        """Install ``target`` if the cloud says so, its signed manifest allows it and now is a
        good moment."""
        if target is None or not target.install or target.version == self._running:
            return
        if target.version in self._failed or self._pending() is not None:
            return
        if target.version in failed_versions(self._store.root):
            self._failed.add(target.version)
            return
        try:
            manifest = verified_manifest(self._key, target)
        except FirmwareError as exc:
            self._refuse(target.version, exc.reason)
            return
        floor = highest_confirmed(self._store.root, self._running)
        wanted = version_key(target.version)
        if wanted is None or (wanted < (version_key(floor) or ()) and not manifest.rollback):
            # An old, validly signed release is still a downgrade (back to a known hole); only
            # a release the release key signed as a deliberate rollback may go below the floor.
            self._refuse(target.version, "downgrade_refused", floor=floor)
            return
        if not self._may_install_now():
            return  # quiet hours, or a new photo is on the panel for the first time
        try:
            self._install(target, manifest)
        except FirmwareError as exc:
            log.error(
                "firmware update failed", extra={"version": target.version, "reason": exc.reason}
            )
            self._failed.add(target.version)
            try:
                note_failed(self._store.root, target.version)
            except OSError as err:
                log.error("cannot record the failed release", extra={"error": str(err)})
            self._emit(firmware_event("failed", target.version, self._now(), exc.reason))

    def _refuse(self, version: str, reason: str, **details: str) -> None:
        """Refused before downloading: reported once, not retried while this process runs."""
        log.error(
            "firmware release refused", extra={"version": version, "reason": reason, **details}
        )
        self._failed.add(version)
        self._emit(firmware_event("failed", version, self._now(), reason))

    def _pending(self) -> dict[str, Any] | None:
        try:
            value = json.loads((self._store.root / PENDING).read_text())
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def _install(self, target: FirmwareTarget, manifest: Manifest) -> None:
        staging = self._root / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        bundle = staging / f"{target.version}.tar.gz"
        if not bundle.exists():
            partial = staging / f"{target.version}.tar.gz.part"
            if not partial.exists():  # report once, not on every resumed attempt
                self._emit(firmware_event("downloading", target.version, self._now()))
            try:
                self._download(
                    target.file.url,
                    bundle,
                    partial,
                    sha256=manifest.sha256,
                    max_bytes=manifest.bytes,
                )
            except DownloadError as exc:
                if exc.reason in ("sha256_mismatch", "too_large"):
                    raise FirmwareError(exc.reason) from exc
                log.warning("firmware download will be retried", extra={"reason": exc.reason})
                return
        data = bundle.read_bytes()
        if len(data) != manifest.bytes or sha256_hex(data) != manifest.sha256:
            bundle.unlink(missing_ok=True)  # e.g. a staged file left from another offer
            raise FirmwareError("bundle_mismatch")
        if not self._key.verify(target.signature, data):
            bundle.unlink(missing_ok=True)
            raise FirmwareError("bad_signature")
        self._emit(firmware_event("installing", target.version, self._now()))
        versions = self._root / "versions"
        versions.mkdir(exist_ok=True)
        final = versions / target.version
        unpacking = versions / f".{target.version}.unpacking"
        shutil.rmtree(unpacking, ignore_errors=True)
        unpacking.mkdir()
        try:
            safe_extract(bundle, unpacking)
        except FirmwareError:
            shutil.rmtree(unpacking, ignore_errors=True)
            raise
        if bundled_version(unpacking) != target.version:
            # The signature covers the bundle, and the bundle names its version: an old bundle
            # relabelled as a newer version in the (unsigned) desired state is refused here.
            shutil.rmtree(unpacking, ignore_errors=True)
            bundle.unlink(missing_ok=True)
            raise FirmwareError("version_mismatch")
        if final.exists():
            shutil.rmtree(final)
        unpacking.replace(final)
        current = self._root / "current"
        previous = current.resolve() if current.is_symlink() else None
        atomic_write_json(
            self._store.root / PENDING,
            {
                "version": target.version,
                "previous": str(previous) if previous else None,
                "installedAt": time.time(),
                "confirmWithinSeconds": self._confirm_within,
                "starts": 0,
            },
        )
        if previous is not None:
            switch_link(self._root, "previous", previous)
        switch_link(self._root, "current", final)
        bundle.unlink(missing_ok=True)
        log.info("firmware installed; restarting", extra={"version": target.version})
        self._restart()


def rollback(root: Path, state_dir: Path, reason: str, at: str) -> bool:
    """Point ``current`` back at ``previous`` and queue a ``rolled_back`` event."""
    pending_path = state_dir / PENDING
    try:
        pending = json.loads(pending_path.read_text())
    except (OSError, ValueError):
        return False
    previous = pending.get("previous") if isinstance(pending, dict) else None
    if not isinstance(previous, str) or not Path(previous).is_dir():
        pending_path.unlink(missing_ok=True)
        return False
    switch_link(root, "current", Path(previous))
    note_failed(state_dir, str(pending["version"]))
    Store(state_dir).append_outbox(
        firmware_event("rolled_back", str(pending["version"]), at, reason)
    )
    pending_path.unlink(missing_ok=True)
    return True


def confirm_if_pending(
    store: Store, root: Path | None, running_version: str, emit: Emit, at: str
) -> None:
    """Called once the running version connected and reconciled: confirm it, tidy up."""
    path = store.root / PENDING
    try:
        pending = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(pending, dict) or pending.get("version") != running_version:
        return
    emit(firmware_event("confirmed", running_version, at))
    note_confirmed(store.root, running_version)
    path.unlink(missing_ok=True)
    if root is None:
        return
    try:
        install_launcher(root)  # only now is this release's launcher the known-good one
    except OSError as exc:
        log.error("cannot install the launcher", extra={"error": str(exc)})
    keep = {p.resolve() for p in (root / "current", root / "previous") if p.is_symlink()}
    for version_dir in (root / "versions").iterdir() if (root / "versions").is_dir() else []:
        if version_dir.resolve() not in keep and not version_dir.name.startswith("."):
            shutil.rmtree(version_dir, ignore_errors=True)
    log.info("firmware confirmed", extra={"version": running_version})


def past_deadline(store: Store, running_version: str) -> bool:
    """The new version had its chance to connect and reconcile and did not."""
    try:
        pending = json.loads((store.root / PENDING).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(pending, dict) or pending.get("version") != running_version:
        return False
    installed = pending.get("installedAt")
    within = pending.get("confirmWithinSeconds", CONFIRM_WITHIN_SECONDS)
    if not isinstance(within, (int, float)):
        within = CONFIRM_WITHIN_SECONDS
    return isinstance(installed, (int, float)) and time.time() - installed > within


def is_pending(store: Store, running_version: str) -> bool:
    """The running release was just installed and is not confirmed yet."""
    try:
        pending = json.loads((store.root / PENDING).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(pending, dict) and pending.get("version") == running_version


def launcher_source() -> str:
    return (Path(__file__).with_name("launcher.py")).read_text()


def install_launcher(root: Path) -> None:
    """Keep ``root/launcher.py`` the one of the running (known-good) version."""
    target = root / "launcher.py"
    source = launcher_source()
    with contextlib.suppress(OSError):
        if target.read_text() == source:
            return
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / ".launcher.py.tmp"
    tmp.write_text(source)
    tmp.replace(target)
