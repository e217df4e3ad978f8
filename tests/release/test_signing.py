"""Keys and signatures, checked with the frame's own verifier and updater."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.release import bundle as bundles
from infra.release import signing
from infra.release.__main__ import main
from infra.release.manifest import sign_manifest
from shareframe_frame.config import parse_config
from shareframe_frame.desired_state import FileRef, FirmwareTarget
from shareframe_frame.firmware import (
    FAILED,
    PENDING,
    FirmwareUpdater,
    failed_versions,
    load_public_key,
    note_confirmed,
    rollback,
)
from shareframe_frame.store import Store


def test_keygen_writes_a_private_file_and_prints_the_frames_key(tmp_path, capsys):
    path = tmp_path / "keys" / "release.key"
    assert main(["keygen", "--out", str(path)]) == 0
    public = capsys.readouterr().out.strip()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert len(base64.b64decode(public)) == 32
    load_public_key(public)  # the frame's loader
    parse_config(  # and its configuration check
        {
            "api_url": "http://x",
            "state_dir": "/tmp/s",
            "panel": "waveshare_7in5_v2",
            "firmware_public_key": public,
        }
    )
    assert main(["pubkey", "--key", str(path)]) == 0
    assert capsys.readouterr().out.strip() == public
    assert main(["keygen", "--out", str(path)]) == 1  # never replaces a key
    assert "refusing" in capsys.readouterr().err


def test_a_key_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "k.key"
    signing.generate(path)
    path.chmod(0o644)
    with pytest.raises(signing.SigningKeyError, match="chmod 600"):
        signing.load(path)


def test_the_default_key_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(signing.KEY_ENV, str(tmp_path / "x.key"))
    assert signing.default_key_path() == tmp_path / "x.key"
    monkeypatch.delenv(signing.KEY_ENV)
    assert signing.default_key_path() == Path("~/.shareframe/release-signing.key").expanduser()


class Harness:
    def __init__(self, tmp_path: Path, public: str) -> None:
        self.root = tmp_path / "opt"
        (self.root / "versions" / "0.1.0" / "shareframe_frame").mkdir(parents=True)
        (self.root / "current").symlink_to("versions/0.1.0")
        self.store = Store(tmp_path / "state")
        self.events: list[dict[str, Any]] = []
        self.restarts = 0
        self.public = public

    def updater(self) -> FirmwareUpdater:
        def fake_download(url: str, final: Path, partial: Path, **_: Any) -> None:
            shutil.copyfile(url, final)

        def restart() -> None:
            self.restarts += 1

        return FirmwareUpdater(
            self.root,
            load_public_key(self.public),
            running_version="0.1.0",
            store=self.store,
            emit=self.events.append,
            now_text=lambda: "2026-11-25T12:00:00Z",
            may_install_now=lambda: True,
            request_restart=restart,
            download=fake_download,
        )


def target(
    built: bundles.Bundle, signature: str, key: Ed25519PrivateKey, *, rollback: bool = False
) -> FirmwareTarget:
    """The offer as the backend builds it from a release published with ``key``."""
    expires = datetime.now(UTC) + timedelta(hours=1)
    signed = sign_manifest(key, built, channel="stable", rollback=rollback)
    return FirmwareTarget(
        version=built.version,
        criticality="minor",
        install=True,
        file=FileRef(str(built.path), expires, built.sha256, built.size, "application/gzip"),
        signature=base64.b64decode(signature),
        channel="stable",
        manifest=signed.text,
        manifest_signature=base64.b64decode(signed.signature),
    )


def test_a_signed_build_is_installed_by_the_frames_updater(tmp_path):
    key = signing.generate(tmp_path / "k.key")
    built = bundles.build("0.2.0", tmp_path / "out")
    h = Harness(tmp_path, signing.public_key_text(key))
    h.updater().consider(target(built, signing.sign(key, built.path.read_bytes()), key))
    assert [e["state"] for e in h.events] == ["downloading", "installing"]
    assert h.restarts == 1
    assert (h.root / "current").resolve() == (h.root / "versions" / "0.2.0").resolve()
    assert (h.root / "previous").resolve() == (h.root / "versions" / "0.1.0").resolve()
    init = h.root / "versions" / "0.2.0" / "shareframe_frame" / "__init__.py"
    assert '__version__ = "0.2.0"' in init.read_text()
    assert json.loads((h.store.root / PENDING).read_text())["version"] == "0.2.0"


def test_a_stranger_signature_fails_and_is_never_retried_after_a_restart(tmp_path):
    trusted = signing.generate(tmp_path / "trusted.key")
    stranger = signing.generate(tmp_path / "stranger.key")
    built = bundles.build("0.2.0", tmp_path / "out")
    h = Harness(tmp_path, signing.public_key_text(trusted))
    wrong = target(built, signing.sign(stranger, built.path.read_bytes()), trusted)
    h.updater().consider(wrong)
    assert [(e["state"], e.get("reason")) for e in h.events] == [
        ("downloading", None),
        ("failed", "bad_signature"),
    ]
    assert failed_versions(h.store.root) == {"0.2.0"}
    h.updater().consider(wrong)  # a new process: the failure is remembered on disk
    assert len(h.events) == 2 and h.restarts == 0
    assert (h.root / "current").resolve().name == "0.1.0"


def test_a_rolled_back_release_is_remembered(tmp_path):
    key = signing.generate(tmp_path / "k.key")
    built = bundles.build("0.2.0", tmp_path / "out")
    h = Harness(tmp_path, signing.public_key_text(key))
    good = target(built, signing.sign(key, built.path.read_bytes()), key)
    h.updater().consider(good)
    assert rollback(h.root, h.store.root, "not_confirmed", "2026-11-25T12:00:00Z")
    assert (h.root / "current").resolve().name == "0.1.0"
    assert json.loads((h.store.root / FAILED).read_text()) == ["0.2.0"]
    h.updater().consider(good)
    assert h.restarts == 1  # not installed again


def test_a_manifest_signed_as_a_rollback_lets_a_lower_version_in_and_only_that(tmp_path):
    key = signing.generate(tmp_path / "k.key")
    h = Harness(tmp_path, signing.public_key_text(key))
    note_confirmed(h.store.root, "0.3.0")  # this frame once ran 0.3.0: the floor
    plain = bundles.build("0.2.0", tmp_path / "out")
    bundle_signature = signing.sign(key, plain.path.read_bytes())
    h.updater().consider(target(plain, bundle_signature, key))
    assert [(e["state"], e.get("reason")) for e in h.events] == [("failed", "downgrade_refused")]
    h.events.clear()
    h.updater().consider(target(plain, bundle_signature, key, rollback=True))
    assert [e["state"] for e in h.events] == ["downloading", "installing"]
    assert (h.root / "current").resolve() == (h.root / "versions" / "0.2.0").resolve()


def test_the_confirmation_deadline_is_configurable_within_bounds():
    from shareframe_frame.config import ConfigError

    base = {"api_url": "http://x", "state_dir": "/tmp/s", "panel": "waveshare_7in5_v2"}
    assert parse_config(base).firmware_confirm_seconds == 600
    assert parse_config({**base, "firmware_confirm_seconds": 30}).firmware_confirm_seconds == 30
    for bad in (1, 100_000, "soon"):
        with pytest.raises(ConfigError):
            parse_config({**base, "firmware_confirm_seconds": bad})
