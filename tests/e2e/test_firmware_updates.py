"""Firmware updates on the real local cloud (issue 8, docs/firmware-updates.md).

Every frame here is *updatable*: it runs under ``launcher.py`` from its own ``firmware_root``,
restarted by a runner after exit code 75 or a crash (as systemd does on a Pi), and trusts the
stack's release key. Releases are made with the release manager's own CLI
(``python -m infra.release``), which uploads to the stack's S3 and registers through the
backend's code.

Releases are global to a channel, and all tests of a worker share one stack: each test targets
its own rollout group (``--group``, percent 0) or, for the percentage rollout, the beta channel,
so a release never reaches another test's frames.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from infra.release import signing
from infra.release.bundle import DEFAULT_SOURCE
from tests.e2e.journeys import Person, photo, screen, wait_for
from tests.e2e.stack import FrameProcess, LocalCloudStack

FACTORY = "0.1.0"  # device_firmware's __version__: what a fresh virtual frame runs
UPDATE_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def owner(local_cloud: LocalCloudStack) -> Person:
    return Person(local_cloud, "firmware-owner@example.com").sign_up("Fran")


def paired(
    cloud: LocalCloudStack,
    owner: Person,
    name: str,
    *,
    group: str | None = None,
    channel: str | None = None,
) -> tuple[FrameProcess, str]:
    process = cloud.frames[name] if name in cloud.frames else cloud.start_frame(name)
    frame_id = owner.pair(process, name.title())["frameId"]
    owner.request("PATCH", f"/frames/{frame_id}", {"showStatus": False}, 200)
    wait_for(lambda: owner.request("GET", f"/frames/{frame_id}")["status"]["online"], what="online")
    if group or channel:
        cloud.release(
            "assign",
            "--frame",
            frame_id,
            *(["--group", group] if group else []),
            *(["--channel", channel] if channel else []),
        )
    return process, frame_id


def publish(
    cloud: LocalCloudStack,
    tmp_path: Path,
    version: str,
    *extra: str,
    channel: str = "stable",
    criticality: str = "minor",
) -> dict[str, Any]:
    notes = tmp_path / f"notes-{version}.md"
    notes.write_text(f"# {version}\n\n* What is new in {version}.\n")
    result: dict[str, Any] = cloud.release(
        "publish",
        "--version",
        version,
        "--notes",
        str(notes),
        "--criticality",
        criticality,
        "--channel",
        channel,
        *extra,
    )
    return result


def firmware(owner: Person, frame_id: str) -> dict[str, Any]:
    result: dict[str, Any] = owner.request("GET", f"/frames/{frame_id}/firmware", expect=200)
    return result


def history(owner: Person, frame_id: str, version: str) -> list[tuple[str, str | None]]:
    """(state, reason) of the frame's reports about ``version``, oldest first."""
    return [
        (h["state"], h["reason"])
        for h in reversed(firmware(owner, frame_id)["history"])
        if h["version"] == version
    ]


def wait_update_state(owner: Person, frame_id: str, version: str, state: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        update = firmware(owner, frame_id)["update"]
        return (
            update if update and update == {**update, "version": version, "state": state} else None
        )

    result: dict[str, Any] = wait_for(reached, timeout=UPDATE_TIMEOUT, what=f"{version} {state}")
    return result


def retained_status(cloud: LocalCloudStack, frame_id: str) -> dict[str, Any]:
    """The frame's own retained status message, read from the broker as the cloud does."""
    got: list[dict[str, Any]] = []
    ready = threading.Event()
    client = cloud.mqtt_client("shareframe-cloud")

    def on_message(_client: Any, _userdata: Any, message: Any) -> None:
        got.append(json.loads(message.payload))
        ready.set()

    client.on_message = on_message
    client.subscribe(f"shareframe/frames/{frame_id}/status", qos=1)
    try:
        assert ready.wait(10), "no retained status"
    finally:
        client.disconnect()
        client.loop_stop()
    return got[-1]


def current_release(process: FrameProcess) -> str:
    assert process.firmware_root is not None
    return (process.firmware_root / "current").resolve().name


def shows_a_new_photo(owner: Person, process: FrameProcess, frame_id: str) -> None:
    share = owner.send(owner.upload(photo((20, 150, 90)))["imageId"], [frame_id])
    wait_for(
        lambda: owner.share_state(share["shareId"], frame_id)["state"] == "displayed",
        timeout=60,
        what="photo displayed",
    )
    assert screen(process)["shareId"] == share["shareId"]


def test_a_release_rolls_out_installs_and_confirms(local_cloud, owner, tmp_path):
    process, frame_id = paired(local_cloud, owner, "fw-happy", group="fw-happy")
    assert firmware(owner, frame_id)["version"] == FACTORY
    published = publish(local_cloud, tmp_path, "1.1.0", "--group", "fw-happy")
    assert published["framesNotified"] >= 1
    assert published["bundleKey"] == "firmware/stable/1.1.0.tar.gz"
    wait_update_state(owner, frame_id, "1.1.0", "confirmed")
    info = firmware(owner, frame_id)
    assert info["version"] == "1.1.0"
    assert info["available"] is None
    assert history(owner, frame_id, "1.1.0") == [
        ("downloading", None),
        ("installing", None),
        ("confirmed", None),
    ]
    # The new code is what runs, and it reports its own (stamped) version.
    assert current_release(process) == "1.1.0"
    assert (process.firmware_root / "previous").resolve().name == FACTORY
    wait_for(
        lambda: retained_status(local_cloud, frame_id).get("firmware") == "1.1.0",
        what="status firmware",
    )
    assert owner.request("GET", f"/frames/{frame_id}")["status"]["firmware"] == "1.1.0"
    assert '"firmware": "1.1.0"' in process.log  # "frame starting" of the new release
    notes = owner.request("GET", "/releases?channel=stable", expect=200)["items"]
    assert "What is new in 1.1.0" in next(n for n in notes if n["version"] == "1.1.0")["notes"]
    shows_a_new_photo(owner, process, frame_id)


def test_a_bundle_with_a_bad_signature_is_refused(local_cloud, owner, tmp_path):
    process, frame_id = paired(local_cloud, owner, "fw-badsig", group="fw-badsig")
    stranger = tmp_path / "stranger.key"
    signing.generate(stranger)  # a key the frames do not trust
    publish(local_cloud, tmp_path, "1.2.0", "--group", "fw-badsig", "--key", str(stranger))
    update = wait_update_state(owner, frame_id, "1.2.0", "failed")
    # Its manifest is signed by the same stranger: refused before a byte is downloaded.
    assert update["reason"] == "manifest_signature_invalid"
    assert history(owner, frame_id, "1.2.0") == [("failed", "manifest_signature_invalid")]
    assert current_release(process) == FACTORY
    assert not (process.firmware_root / "versions" / "1.2.0").exists()
    assert firmware(owner, frame_id)["version"] == FACTORY
    shows_a_new_photo(owner, process, frame_id)
    assert retained_status(local_cloud, frame_id)["firmware"] == FACTORY
    assert history(owner, frame_id, "1.2.0") == [("failed", "manifest_signature_invalid")]
    assert "1.2.0" not in [n["version"] for n in firmware(owner, frame_id)["whatsNew"]]


def test_a_bundle_whose_bytes_do_not_match_the_hash_is_refused(local_cloud, owner, tmp_path):
    process, frame_id = paired(local_cloud, owner, "fw-hash")
    published = publish(local_cloud, tmp_path, "1.3.0", "--group", "fw-hash", "--no-notify")
    # Someone swaps the object in the bucket: same size, other bytes, the signed hash stays.
    s3 = local_cloud.aws_client("s3")
    bucket = local_cloud.env["SHAREFRAME_MEDIA_BUCKET"]
    data = bytearray(s3.get_object(Bucket=bucket, Key=published["bundleKey"])["Body"].read())
    data[len(data) // 2] ^= 0xFF
    s3.put_object(Bucket=bucket, Key=published["bundleKey"], Body=bytes(data))
    local_cloud.release("assign", "--frame", frame_id, "--group", "fw-hash")
    update = wait_update_state(owner, frame_id, "1.3.0", "failed")
    assert update["reason"] == "sha256_mismatch"
    assert current_release(process) == FACTORY
    assert not (process.firmware_root / "versions" / "1.3.0").exists()
    assert firmware(owner, frame_id)["version"] == FACTORY
    shows_a_new_photo(owner, process, frame_id)


def test_a_release_that_crashes_at_start_is_rolled_back(local_cloud, owner, tmp_path):
    process, frame_id = paired(local_cloud, owner, "fw-crash", group="fw-crash")
    broken = tmp_path / "broken" / "shareframe_frame"
    shutil.copytree(DEFAULT_SOURCE, broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "__main__.py").write_text(
        "import sys\nsys.stderr.write('this release is broken\\n')\nsys.exit(3)\n"
    )
    publish(local_cloud, tmp_path, "1.4.0", "--group", "fw-crash", "--source", str(broken))
    update = wait_update_state(owner, frame_id, "1.4.0", "rolled_back")
    assert update["reason"] == "crash_loop"
    assert history(owner, frame_id, "1.4.0") == [
        ("downloading", None),
        ("installing", None),
        ("rolled_back", "crash_loop"),
    ]
    assert process.log.count("this release is broken") == 3  # launcher.MAX_STARTS
    assert current_release(process) == FACTORY
    assert firmware(owner, frame_id)["version"] == FACTORY
    wait_for(
        lambda: retained_status(local_cloud, frame_id).get("firmware") == FACTORY,
        what="old version reports",
    )
    shows_a_new_photo(owner, process, frame_id)
    # Both sides remember the failure: the backend stops offering it, the frame never retries.
    assert firmware(owner, frame_id)["available"] is None
    assert history(owner, frame_id, "1.4.0")[-1] == ("rolled_back", "crash_loop")
    assert process.log.count("this release is broken") == 3


def test_a_release_that_hangs_before_connecting_is_rolled_back_by_the_launcher(
    local_cloud, owner, tmp_path
):
    # 5 s to confirm (instead of 10 min); the launcher waits 10 s more, then rolls back.
    process = local_cloud.start_frame("fw-hang", firmware_confirm_seconds=5)
    frame_id = owner.pair(process, "Hang")["frameId"]
    wait_for(lambda: owner.request("GET", f"/frames/{frame_id}")["status"]["online"], what="online")
    local_cloud.release("assign", "--frame", frame_id, "--group", "fw-hang")
    stuck = tmp_path / "stuck" / "shareframe_frame"
    shutil.copytree(DEFAULT_SOURCE, stuck, ignore=shutil.ignore_patterns("__pycache__"))
    (stuck / "__main__.py").write_text(
        "import sys, time\nsys.stderr.write('this release hangs\\n')\nwhile True:\n"
        "    time.sleep(1)\n"
    )
    publish(local_cloud, tmp_path, "1.7.0", "--group", "fw-hang", "--source", str(stuck))
    update = wait_update_state(owner, frame_id, "1.7.0", "rolled_back")
    assert update["reason"] == "not_confirmed"
    assert process.log.count("this release hangs") == 1
    assert current_release(process) == FACTORY
    assert firmware(owner, frame_id)["version"] == FACTORY
    shows_a_new_photo(owner, process, frame_id)
    assert process.log.count("this release hangs") == 1  # not installed again


def test_a_frame_offline_during_the_release_catches_up(local_cloud, owner, tmp_path):
    process, frame_id = paired(local_cloud, owner, "fw-away", group="fw-away")
    process.stop()
    wait_for(
        lambda: not owner.request("GET", f"/frames/{frame_id}")["status"]["online"],
        what="offline",
    )
    publish(local_cloud, tmp_path, "1.5.0", "--group", "fw-away")
    time.sleep(1)
    assert history(owner, frame_id, "1.5.0") == []
    process.start()
    wait_update_state(owner, frame_id, "1.5.0", "confirmed")
    assert firmware(owner, frame_id)["version"] == "1.5.0"
    assert current_release(process) == "1.5.0"


def test_a_percentage_rollout_reaches_only_that_share(local_cloud, owner, tmp_path):
    from chalicelib.domain.releases import Release, in_rollout

    version = "1.6.0"
    names = [f"fw-pct{i}" for i in range(4)]
    for name in names:  # start them all first: they boot and reach pairing mode in parallel
        local_cloud.start_frame(name)
    frames = [paired(local_cloud, owner, name, channel="beta") for name in names]

    def smallest_share(frame_id: str) -> int:
        """The smallest rollout percent that includes the frame (its stable hash bucket + 1)."""
        return next(
            p
            for p in range(1, 101)
            if in_rollout(Release(version, "beta", "minor", False, p, ()), frame_id, None)
        )

    shares = sorted(smallest_share(frame_id) for _, frame_id in frames)
    # A percent that takes about half of these frames (the hash decides which), and never all.
    below_top = [s for s in shares if s < shares[-1]] or [0]
    percent = min(shares[(len(shares) - 1) // 2], below_top[-1])
    release = Release(version, "beta", "minor", False, percent, ())
    inside = [(p, f) for p, f in frames if in_rollout(release, f, None)]
    outside = [(p, f) for p, f in frames if not in_rollout(release, f, None)]
    assert inside and outside, (percent, shares)
    publish(
        local_cloud,
        tmp_path,
        version,
        "--rollout-percent",
        str(percent),
        channel="beta",
    )
    for _, frame_id in inside:
        wait_update_state(owner, frame_id, version, "confirmed")
    time.sleep(2)
    for process, frame_id in outside:
        assert history(owner, frame_id, version) == []
        assert firmware(owner, frame_id)["available"] is None
        assert current_release(process) == FACTORY
    # Growing the rollout keeps those frames in and adds the rest.
    local_cloud.release("rollout", "--version", version, "--channel", "beta", "--percent", "100")
    for _, frame_id in outside:
        wait_update_state(owner, frame_id, version, "confirmed")
    for process, frame_id in frames:
        assert current_release(process) == version
        assert firmware(owner, frame_id)["version"] == version


def test_a_frame_without_automatic_updates_hears_of_a_release_at_once_and_waits(
    local_cloud, tmp_path
):
    """autoUpdate off: the release reaches the frame within seconds as an offer (its dashboard
    shows it), nothing installs until the owner presses "update"."""
    # An owner of its own: the module's owner has claimed 10 codes by now, the limit per 15 min.
    owner = Person(local_cloud, "firmware-consent@example.com").sign_up("Cleo")
    process, frame_id = paired(local_cloud, owner, "fw-consent", group="fw-consent")
    owner.request("PATCH", f"/frames/{frame_id}", {"autoUpdate": False}, 200)
    published = publish(local_cloud, tmp_path, "1.8.0", "--group", "fw-consent")
    assert published["framesNotified"] == 1

    def offered() -> dict[str, Any] | None:
        try:
            held = json.loads((process.state_dir / "desired.json").read_text())
        except (OSError, ValueError):
            return None
        offer: dict[str, Any] | None = held.get("firmware")
        return offer if offer and offer["version"] == "1.8.0" else None

    offer = wait_for(offered, timeout=10, what="the offer on the frame")
    assert offer["install"] is False
    assert firmware(owner, frame_id)["available"]["version"] == "1.8.0"
    time.sleep(3)
    assert history(owner, frame_id, "1.8.0") == [] and current_release(process) == FACTORY
    owner.request("POST", f"/frames/{frame_id}/firmware/update", None, 202)
    wait_update_state(owner, frame_id, "1.8.0", "confirmed")
    assert current_release(process) == "1.8.0"
