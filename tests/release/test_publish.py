"""Publishing against in-process AWS (moto, provisioned from infra/template.json): the bundle
lands in the media bucket, the release is registered with the backend's code, frames are told,
and pause / resume / rollout / assign steer it."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from infra.release import signing
from infra.release.__main__ import main
from tests.integration.conftest import call, pair_frame, published, signup


@pytest.fixture
def key(tmp_path, monkeypatch):
    path = tmp_path / "release.key"
    private = signing.generate(path)
    monkeypatch.setenv(signing.KEY_ENV, str(path))
    return private


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text("# Calmer refreshes\n\n* Fewer flashes at night.\n")
    return path


@pytest.fixture
def frame(client):
    ana = signup(client, "rel-ana@example.com")
    paired = pair_frame(client, ana)
    client.lambda_.invoke(
        "frame_status", {"frameId": paired["frameId"], "online": True, "firmware": "0.1.0"}
    )
    return ana, paired["frameId"]


def run(capsys, *argv: str) -> dict:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def desired_firmware(frame_id: str) -> dict | None:
    mine = [d for topic, d in published() if f"/{frame_id}/" in topic]
    return mine[-1]["firmware"] if mine else None


def test_publish_uploads_signs_registers_and_tells_the_frame(client, key, notes, frame, capsys):
    from chalicelib.adapters.aws import client as aws_client
    from chalicelib.config import settings
    from chalicelib.services import releases

    ana, frame_id = frame
    common = ["--notes", str(notes), "--criticality", "minor", "--channel", "stable"]
    out = run(capsys, "publish", "--version", "0.2.0", *common)
    assert out["bundleKey"] == "firmware/stable/0.2.0.tar.gz"
    assert out["framesNotified"] == 1 and out["rolloutPercent"] == 100
    stored = aws_client("s3").get_object(Bucket=settings().media_bucket, Key=out["bundleKey"])
    data = stored["Body"].read()
    assert stored["ContentType"] == "application/gzip"
    assert hashlib.sha256(data).hexdigest() == out["sha256"] and len(data) == out["bytes"]
    key.public_key().verify(base64.b64decode(out["signature"]), data)
    record = releases.of_channel("stable")[0]
    assert (record.version, record.sha256, record.signature, int(record.bytes)) == (
        "0.2.0",
        out["sha256"],
        out["signature"],
        len(data),
    )
    assert "Fewer flashes" in record.notes
    wanted = desired_firmware(frame_id)
    assert wanted is not None and wanted["version"] == "0.2.0" and wanted["install"] is True
    assert wanted["signature"] == out["signature"] and wanted["file"]["sha256"] == out["sha256"]
    # The signed manifest travels with the offer and binds version, channel, hash and size.
    assert (wanted["manifest"], wanted["manifestSignature"]) == (
        out["manifest"],
        out["manifestSignature"],
    )
    key.public_key().verify(base64.b64decode(out["manifestSignature"]), out["manifest"].encode())
    assert json.loads(out["manifest"]) == {
        "schema": 1,
        "version": "0.2.0",
        "channel": "stable",
        "sha256": out["sha256"],
        "bytes": len(data),
        "rollback": False,
    }
    assert wanted["channel"] == "stable"
    notes_api = json.loads(call(client, "GET", "/releases?channel=stable", user=ana).body)
    assert notes_api["items"][0]["version"] == "0.2.0"
    # The same version twice is refused, and nothing is overwritten.
    again = ["--notes", str(notes), "--criticality", "minor", "--channel", "stable"]
    assert main(["publish", "--version", "0.2.0", *again]) == 1
    assert "already exists" in capsys.readouterr().err


def test_a_rollback_release_is_signed_as_one(client, key, notes, frame, capsys):
    common = ["--notes", str(notes), "--criticality", "minor", "--channel", "beta"]
    out = run(capsys, "publish", "--version", "0.2.1", *common, "--rollback", "--no-notify")
    key.public_key().verify(base64.b64decode(out["manifestSignature"]), out["manifest"].encode())
    assert json.loads(out["manifest"])["rollback"] is True
    assert json.loads(out["manifest"])["channel"] == "beta"


def test_pause_resume_and_rollout_reach_the_frame(client, key, notes, frame, capsys):
    _, frame_id = frame
    common = ["--notes", str(notes), "--criticality", "patch", "--channel", "stable"]
    run(capsys, "publish", "--version", "0.2.0", *common)
    assert desired_firmware(frame_id)["version"] == "0.2.0"
    assert run(capsys, "pause", "--version", "0.2.0")["framesNotified"] == 1
    assert desired_firmware(frame_id) is None
    run(capsys, "resume", "--version", "0.2.0")
    assert desired_firmware(frame_id)["version"] == "0.2.0"
    run(capsys, "rollout", "--version", "0.2.0", "--percent", "0")
    assert desired_firmware(frame_id) is None
    listed = run(capsys, "list", "--channel", "stable")
    assert [(r["version"], r["paused"], r["rolloutPercent"]) for r in listed] == [
        ("0.2.0", False, 0)
    ]
    # Nothing changed for the frame: nobody is told again.
    assert run(capsys, "rollout", "--version", "0.2.0", "--percent", "0")["framesNotified"] == 0


def test_a_group_release_reaches_only_the_group(client, key, notes, frame, capsys):
    _, frame_id = frame
    common = ["--notes", str(notes), "--criticality", "important", "--channel", "stable"]
    out = run(capsys, "publish", "--version", "0.3.0", *common, "--group", "testers")
    assert out["rolloutPercent"] == 0 and out["rolloutGroups"] == ["testers"]
    assert out["framesNotified"] == 0
    run(capsys, "assign", "--frame", frame_id, "--group", "testers")
    assert desired_firmware(frame_id)["version"] == "0.3.0"
    run(capsys, "assign", "--frame", frame_id, "--group", "")
    assert desired_firmware(frame_id) is None


def test_a_beta_release_skips_stable_frames(client, key, notes, frame, capsys):
    _, frame_id = frame
    common = ["--notes", str(notes), "--criticality", "critical"]
    run(capsys, "publish", "--version", "0.4.0", "--channel", "beta", *common)
    assert desired_firmware(frame_id) is None
    run(capsys, "assign", "--frame", frame_id, "--channel", "beta")
    assert desired_firmware(frame_id)["version"] == "0.4.0"


def test_a_prebuilt_bundle_must_carry_the_version_it_is_published_as(
    client, key, notes, tmp_path, capsys
):
    assert main(["build", "--version", "0.5.0", "--out", str(tmp_path / "b")]) == 0
    built = json.loads(capsys.readouterr().out)["path"]
    common = ["--notes", str(notes), "--criticality", "minor", "--channel", "stable"]
    assert main(["publish", "--version", "0.6.0", "--bundle", built, *common]) == 1
    assert "is version 0.5.0" in capsys.readouterr().err
    out = run(capsys, "publish", "--version", "0.5.0", "--bundle", built, *common)
    assert out["sha256"] == hashlib.sha256(Path(built).read_bytes()).hexdigest()


def test_a_bad_criticality_or_missing_key_is_an_error(client, notes, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(signing.KEY_ENV, str(tmp_path / "none.key"))
    common = ["--notes", str(notes), "--criticality", "minor", "--channel", "stable"]
    assert main(["publish", "--version", "0.2.0", *common]) == 1
    assert "cannot read signing key" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["publish", "--version", "0.2.0", "--notes", str(notes), "--criticality", "huge"])


def test_a_frame_without_automatic_updates_hears_of_a_release_at_once(
    client, key, notes, frame, capsys
):
    """Publishing tells every frame a release becomes available to, not only those that will
    install it: the desired state offers it (install false) so the frame's dashboard shows it."""
    ana, frame_id = frame
    assert (
        call(client, "PATCH", f"/frames/{frame_id}", {"autoUpdate": False}, ana).status_code == 200
    )
    common = ["--notes", str(notes), "--criticality", "minor", "--channel", "stable"]
    out = run(capsys, "publish", "--version", "0.2.0", *common)
    assert out["framesNotified"] == 1
    offered = desired_firmware(frame_id)
    assert offered is not None and offered["version"] == "0.2.0" and offered["install"] is False
    # Pausing withdraws the offer, and that too is told at once.
    assert run(capsys, "pause", "--version", "0.2.0")["framesNotified"] == 1
    assert desired_firmware(frame_id) is None
    assert run(capsys, "resume", "--version", "0.2.0")["framesNotified"] == 1
    assert desired_firmware(frame_id)["install"] is False
    # Nothing changed: nobody is told again.
    assert run(capsys, "rollout", "--version", "0.2.0", "--percent", "100")["framesNotified"] == 0


def test_a_release_whose_manifest_describes_other_bytes_is_not_registered(client):
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import releases

    signature = base64.b64encode(b"s" * 64).decode()
    fields = {"schema": 1, "version": "0.7.0", "channel": "stable", "sha256": "b" * 64}
    fields |= {"bytes": 1000, "rollback": False}
    release = {
        "version": "0.7.0",
        "channel": "stable",
        "criticality": "minor",
        "notes": "# 0.7.0",
        "bundle_key": "firmware/stable/0.7.0.tar.gz",
        "sha256": "a" * 64,
        "signature": signature,
        "size": 1000,
    }
    with pytest.raises(ValidationFailed, match="does not describe"):
        releases.register(**release, manifest=json.dumps(fields), manifest_signature=signature)
    with pytest.raises(ValidationFailed, match="needs its signature"):
        releases.register(**release, manifest=json.dumps(fields))
    assert releases.of_channel("stable") == []
