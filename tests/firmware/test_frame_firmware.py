from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shareframe_frame.desired_state import FileRef, FirmwareTarget
from shareframe_frame.firmware import (
    PENDING,
    FirmwareUpdater,
    confirm_if_pending,
    install_launcher,
    load_public_key,
    note_confirmed,
    rollback,
    switch_link,
)
from shareframe_frame.store import Store
from tests.firmware.frame_fakes import FileServer, sha

SIGNING_KEY = Ed25519PrivateKey.generate()
PUBLIC_B64 = base64.b64encode(
    SIGNING_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()


def bundle(files: dict[str, str], *, evil: str | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if evil:
            info = tarfile.TarInfo(evil)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()


def release(version: str, marker: str = "ok", exit_code: int = 0) -> dict[str, str]:
    main = (
        "import pathlib, sys\n"
        f"pathlib.Path(sys.argv[sys.argv.index('--marker') + 1]).write_text('{marker}')\n"
        f"sys.exit({exit_code})\n"
    )
    return {
        "shareframe_frame/__init__.py": f'__version__ = "{version}"\n',
        "shareframe_frame/__main__.py": main,
    }


def manifest(data: bytes, version: str, *, channel: str = "stable", **extra: Any) -> str:
    """The release manifest as infra/release/manifest.py writes it."""
    fields = {"schema": 1, "version": version, "channel": channel, "sha256": sha(data)}
    fields |= {"bytes": len(data), "rollback": False} | extra
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def target(
    data: bytes,
    url: str,
    version: str = "0.2.0",
    signature: bytes | None = None,
    *,
    signed_manifest: str | None = None,
    manifest_key: Ed25519PrivateKey = SIGNING_KEY,
    channel: str = "stable",
) -> FirmwareTarget:
    text = signed_manifest if signed_manifest is not None else manifest(data, version)
    return FirmwareTarget(
        version=version,
        criticality="minor",
        install=True,
        file=FileRef(url, None, sha(data), len(data), "application/gzip"),
        signature=signature if signature is not None else SIGNING_KEY.sign(data),
        channel=channel,
        manifest=text,
        manifest_signature=manifest_key.sign(text.encode()),
    )


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "opt"
        self.store = Store(tmp_path / "state")
        old = self.root / "versions" / "0.1.0" / "shareframe_frame"
        old.mkdir(parents=True)
        for name, text in release("0.1.0", marker="old").items():
            (self.root / "versions" / "0.1.0" / name).write_text(text)
        switch_link(self.root, "current", self.root / "versions" / "0.1.0")
        self.events: list[dict[str, Any]] = []
        self.restarts = 0
        self.allowed = True

        def restart() -> None:
            self.restarts += 1

        self.updater = FirmwareUpdater(
            self.root,
            load_public_key(PUBLIC_B64),
            running_version="0.1.0",
            store=self.store,
            emit=self.events.append,
            now_text=lambda: "2026-11-25T12:00:00Z",
            may_install_now=lambda: self.allowed,
            request_restart=restart,
        )

    def states(self) -> list[str]:
        return [e["state"] for e in self.events]


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def test_a_signed_release_is_installed_beside_the_current_one(
    h: Harness, file_server: FileServer
) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz"))
    assert h.states() == ["downloading", "installing"]
    assert (h.root / "current").resolve() == (h.root / "versions" / "0.2.0").resolve()
    assert (h.root / "previous").resolve() == (h.root / "versions" / "0.1.0").resolve()
    assert (h.root / "versions" / "0.1.0" / "shareframe_frame").is_dir()  # kept until confirmed
    assert h.restarts == 1
    pending = json.loads((h.store.root / PENDING).read_text())
    assert pending["version"] == "0.2.0"


def test_a_bad_signature_is_refused_and_nothing_switches(
    h: Harness, file_server: FileServer
) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    forged = Ed25519PrivateKey.generate().sign(data)
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz", signature=forged))
    assert h.states() == ["downloading", "failed"]
    assert h.events[-1]["reason"] == "bad_signature"
    assert (h.root / "current").resolve().name == "0.1.0"
    assert h.restarts == 0
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz", signature=forged))
    assert h.states() == ["downloading", "failed"]  # not retried in a loop


def test_an_old_validly_signed_release_offered_in_the_desired_state_is_refused_and_reported(
    h: Harness, file_server: FileServer
) -> None:
    newer = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = newer
    h.updater.consider(target(newer, f"{file_server.url}/fw/0.2.0.tar.gz"))
    confirm_if_pending(h.store, h.root, "0.2.0", h.events.append, "2026-11-25T12:01:00Z")
    # Back on 0.1.0's code (say a broken disk restored it), offered the old signed release:
    older = bundle(release("0.1.5"))
    file_server.files["/fw/0.1.5.tar.gz"] = older
    h.events.clear()
    h.updater.consider(target(older, f"{file_server.url}/fw/0.1.5.tar.gz", version="0.1.5"))
    assert h.states() == ["failed"] and h.events[0]["reason"] == "downgrade_refused"
    assert h.events[0]["version"] == "0.1.5"
    assert all(path != "/fw/0.1.5.tar.gz" for path, _ in file_server.requests)  # not downloaded
    assert (h.root / "current").resolve().name == "0.2.0"


def test_an_old_bundle_relabelled_as_a_newer_version_is_refused(
    h: Harness, file_server: FileServer
) -> None:
    old = bundle(release("0.0.9"))  # validly signed, but its own __version__ says 0.0.9
    file_server.files["/fw/0.3.0.tar.gz"] = old
    h.updater.consider(target(old, f"{file_server.url}/fw/0.3.0.tar.gz", version="0.3.0"))
    assert h.states() == ["downloading", "installing", "failed"]
    assert h.events[-1]["reason"] == "version_mismatch"
    assert (h.root / "current").resolve().name == "0.1.0" and h.restarts == 0


def test_a_manifest_whose_signature_does_not_verify_is_refused_before_downloading(
    h: Harness, file_server: FileServer
) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    stranger = Ed25519PrivateKey.generate()
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz", manifest_key=stranger))
    assert h.states() == ["failed"] and h.events[0]["reason"] == "manifest_signature_invalid"
    assert file_server.requests == []  # nothing downloaded
    tampered = target(data, f"{file_server.url}/fw/0.2.0.tar.gz")  # signed, then edited
    h2 = Harness(h.root.parent / "second")
    h2.updater.consider(replace(tampered, manifest=tampered.manifest.replace("false", "true")))
    assert h2.events[0]["reason"] == "manifest_signature_invalid"
    assert (h.root / "current").resolve().name == "0.1.0" and h.restarts == 0


def test_an_offer_without_a_signed_manifest_is_refused(h: Harness, file_server: FileServer) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    offer = target(data, f"{file_server.url}/fw/0.2.0.tar.gz")
    h.updater.consider(replace(offer, manifest=None, manifest_signature=None))
    assert h.states() == ["failed"] and h.events[0]["reason"] == "manifest_missing"
    assert file_server.requests == []


def test_a_manifest_signed_for_another_channel_is_refused(
    h: Harness, file_server: FileServer
) -> None:
    data = bundle(release("0.2.0"))  # a beta build, validly signed for beta
    file_server.files["/fw/0.2.0.tar.gz"] = data
    beta = manifest(data, "0.2.0", channel="beta")
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz", signed_manifest=beta))
    assert h.states() == ["failed"] and h.events[0]["reason"] == "manifest_mismatch"
    assert file_server.requests == []
    assert (h.root / "current").resolve().name == "0.1.0" and h.restarts == 0


def test_a_manifest_for_another_version_is_refused(h: Harness, file_server: FileServer) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    other = manifest(data, "0.1.9")
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz", signed_manifest=other))
    assert h.states() == ["failed"] and h.events[0]["reason"] == "manifest_mismatch"


@pytest.mark.parametrize("differs", ["size", "sha256"])
def test_a_bundle_whose_size_or_hash_differ_from_the_signed_manifest_is_refused(
    h: Harness, file_server: FileServer, differs: str
) -> None:
    signed = bundle(release("0.2.0"))
    served = bundle(release("0.2.0", marker="evil"))  # the offer describes the served bytes
    if differs == "size":
        served += b"\0" * 7
    file_server.files["/fw/0.2.0.tar.gz"] = served
    offer = target(
        served,
        f"{file_server.url}/fw/0.2.0.tar.gz",
        signature=SIGNING_KEY.sign(served),
        signed_manifest=manifest(signed, "0.2.0"),
    )
    h.updater.consider(offer)
    assert h.states() == ["failed"] and h.events[0]["reason"] == "manifest_mismatch"
    # The offer may even agree with the manifest while the server sends other bytes:
    h2 = Harness(h.root.parent / "second")
    file_server.files["/fw/0.2.0.tar.gz"] = served
    honest = target(signed, f"{file_server.url}/fw/0.2.0.tar.gz")
    h2.updater.consider(honest)
    assert h2.states() == ["downloading", "failed"]
    assert h2.events[-1]["reason"] in {"sha256_mismatch", "too_large", "bundle_mismatch"}
    assert (h2.root / "current").resolve().name == "0.1.0" and h2.restarts == 0


def test_a_bundle_staged_earlier_that_differs_from_the_manifest_is_refused(
    h: Harness, file_server: FileServer
) -> None:
    signed = bundle(release("0.2.0"))
    staging = h.root / "staging"
    staging.mkdir()
    (staging / "0.2.0.tar.gz").write_bytes(bundle(release("0.2.0", marker="evil")))
    h.updater.consider(target(signed, f"{file_server.url}/fw/0.2.0.tar.gz"))
    assert h.states() == ["failed"] and h.events[0]["reason"] == "bundle_mismatch"
    assert not (staging / "0.2.0.tar.gz").exists()
    assert (h.root / "current").resolve().name == "0.1.0" and h.restarts == 0


def test_a_deliberate_rollback_release_to_a_lower_version_is_installed(
    h: Harness, file_server: FileServer
) -> None:
    newer = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = newer
    h.updater.consider(target(newer, f"{file_server.url}/fw/0.2.0.tar.gz"))
    confirm_if_pending(h.store, h.root, "0.2.0", h.events.append, "2026-11-25T12:01:00Z")
    h.events.clear()
    # Back on 0.1.0's code; the release manager signs 0.1.5 as a deliberate rollback:
    older = bundle(release("0.1.5"))
    file_server.files["/fw/0.1.5.tar.gz"] = older
    url = f"{file_server.url}/fw/0.1.5.tar.gz"
    unsigned_flag = target(older, url, version="0.1.5")
    flagged = manifest(older, "0.1.5", rollback=True)
    h.updater.consider(replace(unsigned_flag, manifest=flagged))  # flag added after signing
    assert h.events[0]["reason"] == "manifest_signature_invalid"
    h2 = Harness(h.root.parent / "second")  # the same situation, offered the signed flag
    note_confirmed(h2.store.root, "0.2.0")
    h2.updater.consider(target(older, url, version="0.1.5", signed_manifest=flagged))
    assert h2.states() == ["downloading", "installing"]
    assert (h2.root / "current").resolve() == (h2.root / "versions" / "0.1.5").resolve()
    assert h2.restarts == 1


def test_a_bundle_escaping_its_directory_is_refused(h: Harness, file_server: FileServer) -> None:
    data = bundle(release("0.2.0"), evil="../../etc/evil")
    file_server.files["/fw/0.2.0.tar.gz"] = data
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz"))
    assert h.events[-1]["reason"] == "bundle_path_escape"
    assert not (h.root.parent / "etc").exists()
    assert (h.root / "current").resolve().name == "0.1.0"


def test_nothing_happens_when_install_is_false_or_not_now(
    h: Harness, file_server: FileServer
) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    offer = target(data, f"{file_server.url}/fw/0.2.0.tar.gz")
    h.updater.consider(replace(offer, install=False))
    h.allowed = False
    h.updater.consider(offer)
    assert h.events == [] and file_server.requests == []


def test_confirmation_reports_and_prunes_old_versions(h: Harness, file_server: FileServer) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz"))
    (h.root / "versions" / "0.0.9").mkdir()
    events: list[dict[str, Any]] = []
    confirm_if_pending(h.store, h.root, "0.2.0", events.append, "2026-11-25T12:05:00Z")
    assert [(e["type"], e["state"], e["version"]) for e in events] == [
        ("firmware", "confirmed", "0.2.0")
    ]
    assert not (h.store.root / PENDING).exists()
    assert sorted(p.name for p in (h.root / "versions").iterdir()) == ["0.1.0", "0.2.0"]


def test_rollback_points_back_at_the_previous_release(h: Harness, file_server: FileServer) -> None:
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz"))
    assert rollback(h.root, h.store.root, "not_confirmed", "2026-11-25T12:15:00Z")
    assert (h.root / "current").resolve().name == "0.1.0"
    [queued] = h.store.outbox()
    assert queued.event["state"] == "rolled_back" and queued.event["reason"] == "not_confirmed"


def test_the_launcher_rolls_back_a_release_that_keeps_crashing(
    h: Harness, file_server: FileServer
) -> None:
    data = bundle(release("0.2.0", marker="new", exit_code=1))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    h.updater.consider(target(data, f"{file_server.url}/fw/0.2.0.tar.gz"))
    install_launcher(h.root)
    config = h.root.parent / "frame.toml"
    config.write_text(f'state_dir = "{h.store.root}"\n')
    marker = h.root.parent / "marker"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    codes = []
    for _ in range(4):
        proc = subprocess.run(
            [
                sys.executable,
                str(h.root / "launcher.py"),
                "--config",
                str(config),
                "--marker",
                str(marker),
            ],
            env=env,
            timeout=30,
            check=False,
        )
        codes.append((proc.returncode, marker.read_text()))
    assert codes == [(1, "new"), (1, "new"), (1, "new"), (0, "old")]
    assert (h.root / "current").resolve().name == "0.1.0"
    assert [e.event["state"] for e in h.store.outbox()] == ["rolled_back"]


def test_the_app_restarts_with_code_75_after_installing(
    tmp_path: Path, file_server: FileServer
) -> None:
    from shareframe_frame.config import parse_config
    from tests.firmware.frame_fakes import desired
    from tests.firmware.test_frame_app import Cloud, Running, save_fake_credentials

    root = tmp_path / "opt"
    config = parse_config(
        {
            "api_url": "http://127.0.0.1:9",
            "state_dir": str(tmp_path / "state"),
            "panel": "waveshare_7in5_v2",
            "dashboard_port": 0,
            "min_refresh_seconds": 0.2,
            "firmware_root": str(root),
            "firmware_public_key": PUBLIC_B64,
        }
    )
    save_fake_credentials(config)
    data = bundle(release("0.2.0"))
    file_server.files["/fw/0.2.0.tar.gz"] = data
    message = desired(1, [])
    message["firmware"] = {
        "version": "0.2.0",
        "criticality": "minor",
        "install": True,
        "file": {
            "url": f"{file_server.url}/fw/0.2.0.tar.gz",
            "urlExpiresAt": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sha256": sha(data),
            "bytes": len(data),
            "contentType": "application/gzip",
        },
        "signature": base64.b64encode(SIGNING_KEY.sign(data)).decode(),
        "channel": "stable",
        "manifest": manifest(data, "0.2.0"),
        "manifestSignature": base64.b64encode(
            SIGNING_KEY.sign(manifest(data, "0.2.0").encode())
        ).decode(),
    }
    cloud = Cloud()
    frame = Running(config, cloud)
    cloud.connect()
    cloud.send_desired(message)
    frame.thread.join(10)
    assert frame.result == [75]
    assert (root / "current").resolve().name == "0.2.0"
    assert (root / "launcher.py").is_file()
