"""Frames on the real local cloud: settings, new photos first, removal, expiry while offline,
recovery after a broker restart and after a long absence, unpairing, isolation, and the
slideshow's rotation at the owner's interval.

The shortest interval an owner may choose is 3 minutes, so the rotation is set going when the
module starts (``rotating_loft``) and checked by the last test: the other tests run while it
waits. The module keeps to one worker (``xdist_group``) so that wait is shared.
"""

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.journeys import Person, photo, screen, wait_for
from tests.hostile.localcloud_world import pair_headless

pytestmark = pytest.mark.xdist_group("frames")

INTERVAL_SECONDS = 180  # the shortest slideshow interval an owner may choose


@pytest.fixture(scope="module")
def ana(local_cloud):
    return Person(local_cloud, "frames-ana@example.com").sign_up("Ana")


@pytest.fixture(scope="module", autouse=True)
def rotating_loft(local_cloud, ana):
    """A frame at the shortest interval, showing the newer of two photos: see the last test."""
    process, frame = paired(local_cloud, ana, "loft")
    ana.request("PATCH", f"/frames/{frame['frameId']}", {"intervalSeconds": INTERVAL_SECONDS}, 200)
    older = ana.send(ana.upload(photo((120, 60, 20)))["imageId"], [frame["frameId"]])
    displayed(ana, older, frame)
    newer = ana.send(ana.upload(photo((20, 60, 120)))["imageId"], [frame["frameId"]])
    displayed(ana, newer, frame)
    assert screen(process)["shareId"] == newer["shareId"]
    return process, frame, older, newer


def paired(local_cloud, ana, name):
    process = local_cloud.start_frame(name)
    frame = ana.pair(process, name.title())
    ana.request("PATCH", f"/frames/{frame['frameId']}", {"showStatus": False}, 200)
    wait_for(
        lambda: ana.request("GET", f"/frames/{frame['frameId']}")["status"]["online"], what="online"
    )
    return process, frame


def desired(process):
    try:
        return json.loads((process.state_dir / "desired.json").read_text())
    except (OSError, ValueError):
        return {}


def displayed(ana, share, frame):
    return wait_for(
        lambda: ana.share_state(share["shareId"], frame["frameId"])["state"] == "displayed",
        timeout=60,
        what="displayed",
    )


def test_settings_reach_the_frame_and_a_new_photo_is_shown_first(local_cloud, ana):
    process, frame = paired(local_cloud, ana, "hall")
    ana.request(
        "PATCH",
        f"/frames/{frame['frameId']}",
        {"name": "Hallway", "intervalSeconds": 600, "order": "shuffle"},
        200,
    )
    wait_for(
        lambda: desired(process).get("settings", {}).get("name") == "Hallway",
        what="settings on the frame",
    )
    assert desired(process)["settings"]["intervalSeconds"] == 600
    first = ana.send(ana.upload(photo((30, 120, 200)))["imageId"], [frame["frameId"]])
    displayed(ana, first, frame)
    second = ana.send(ana.upload(photo((30, 200, 60)))["imageId"], [frame["frameId"]])
    displayed(ana, second, frame)
    assert screen(process)["shareId"] == second["shareId"]
    items = ana.request("GET", f"/frames/{frame['frameId']}/items", expect=200)["items"]
    assert [i["shareId"] for i in items] == [second["shareId"], first["shareId"]]
    # "show this now" brings the older one back
    ana.request("POST", f"/frames/{frame['frameId']}/show-now", {"shareId": first["shareId"]}, 202)
    wait_for(
        lambda: screen(process).get("shareId") == first["shareId"], timeout=30, what="show now"
    )


def test_a_removed_photo_leaves_the_frame_at_once(local_cloud, ana):
    process, frame = paired(local_cloud, ana, "desk")
    share = ana.send(ana.upload(photo((200, 200, 30)))["imageId"], [frame["frameId"]])
    displayed(ana, share, frame)
    files_before = set((process.state_dir / "files").glob("*.png"))
    assert files_before
    ana.request("DELETE", f"/shares/{share['shareId']}/frames/{frame['frameId']}", expect=204)
    wait_for(lambda: not set((process.state_dir / "files").glob("*.png")), what="file deleted")
    wait_for(lambda: screen(process).get("shareId") is None, what="empty screen")


def test_recovery_after_a_broker_restart(local_cloud, ana):
    process, frame = paired(local_cloud, ana, "porch")
    local_cloud.restart_broker()
    share = ana.send(ana.upload(photo((90, 40, 160)))["imageId"], [frame["frameId"]])
    displayed(ana, share, frame)


def test_a_frame_away_longer_than_its_links_live_catches_up_and_never_shows_what_expired(
    local_cloud, ana
):
    process, frame = paired(local_cloud, ana, "cabin")
    process.stop()
    wait_for(
        lambda: not ana.request("GET", f"/frames/{frame['frameId']}")["status"]["online"],
        what="offline",
    )
    red = ana.upload(photo((250, 0, 0)))["imageId"]
    # The expiry is set after the upload: a slow upload must not eat into the minute it needs.
    soon = (datetime.now(UTC) + timedelta(seconds=62)).strftime("%Y-%m-%dT%H:%M:%SZ")
    short = ana.send(red, [frame["frameId"]], expiresAt=soon)
    lasting = ana.send(ana.upload(photo((0, 0, 250)))["imageId"], [frame["frameId"]], duration="7d")
    time.sleep(
        max(
            0.0,
            (
                datetime.fromisoformat(soon.replace("Z", "+00:00")) - datetime.now(UTC)
            ).total_seconds()
            + 1,
        )
    )
    process.start()
    displayed(ana, lasting, frame)
    assert "asking for fresh URLs" in process.log  # its retained desired state had stale links
    time.sleep(2)
    assert ana.share_state(short["shareId"], frame["frameId"])["state"] in ("queued", "expired")
    assert short["shareId"] not in [
        i["shareId"]
        for i in desired(process).get("items", [])
        if i["expiresAt"] > datetime.now(UTC).isoformat()
    ]
    assert screen(process)["shareId"] == lasting["shareId"]
    shown = (process.state_dir / "displayed.json").read_text()
    assert short["shareId"] not in shown


def test_a_frame_cannot_see_another_frames_desired_state(local_cloud, ana):
    # The spy is a frame paired without a process: the broker binds a certificate to its own
    # client id, so a spy with a running frame's certificate would take that frame's session.
    spy_id = pair_headless(ana, "one")
    frame_one = {"frameId": spy_id}
    _, frame_two = paired(local_cloud, ana, "two")
    received = []
    spy = local_cloud.mqtt_client(spy_id)
    spy.on_message = lambda client, userdata, message: received.append(message.topic)
    spy.subscribe(f"shareframe/frames/{frame_two['frameId']}/desired", qos=1)
    spy.subscribe(f"shareframe/frames/{frame_one['frameId']}/desired", qos=1)
    share = ana.send(ana.upload(photo())["imageId"], [frame_two["frameId"]])
    displayed(ana, share, frame_two)
    time.sleep(1)
    assert f"shareframe/frames/{frame_two['frameId']}/desired" not in received
    assert f"shareframe/frames/{frame_one['frameId']}/desired" in received  # its own retained state


def test_unpairing_wipes_the_frame_and_returns_it_to_pairing_mode(local_cloud, ana):
    process, frame = paired(local_cloud, ana, "attic")
    share = ana.send(ana.upload(photo((10, 10, 10)))["imageId"], [frame["frameId"]])
    displayed(ana, share, frame)
    codes_before = len(re.findall(r'"pairingCode"', process.log))
    ana.request("DELETE", f"/frames/{frame['frameId']}", expect=204)
    wait_for(
        lambda: len(re.findall(r'"pairingCode"', process.log)) > codes_before,
        timeout=30,
        what="pairing mode",
    )
    assert not list((process.state_dir / "files").glob("*.png"))
    assert not (process.state_dir / "credentials" / "certificate.pem").exists()
    assert (
        ana.request("GET", f"/frames/{frame['frameId']}").get("error", {}).get("code")
        == "not_found"
    )


def test_a_frame_killed_without_a_disconnect_shows_offline_within_10_s(local_cloud, ana):
    """No last will, no status: the broker sees the socket die and presence follows at once."""
    process, frame = paired(local_cloud, ana, "garret")
    process.kill()
    wait_for(
        lambda: not ana.request("GET", f"/frames/{frame['frameId']}")["status"]["online"],
        timeout=10,
        what="offline within 10 s of the kill",
    )
    process.start()
    wait_for(
        lambda: ana.request("GET", f"/frames/{frame['frameId']}")["status"]["online"],
        what="online again",
    )


def shown_at(process, share_id: str) -> list[datetime]:
    """When the frame logged "showing photo" for ``share_id``, oldest first."""
    times = []
    for line in process.log.splitlines():
        start = line.find("{")
        try:
            record = json.loads(line[start:]) if start >= 0 else {}
        except ValueError:
            continue
        if record.get("message") == "showing photo" and record.get("shareId") == share_id:
            times.append(datetime.fromisoformat(record["at"]))
    return times


def test_after_the_new_photo_the_slideshow_rotates_at_the_owners_interval(rotating_loft):
    """Last in the module: ``rotating_loft`` showed the newer photo when the module started;
    the older one comes back one interval later (whatever the screen shows by now)."""
    process, _, older, newer = rotating_loft
    newer_shown = shown_at(process, newer["shareId"])[0]
    latest = newer_shown + timedelta(seconds=INTERVAL_SECONDS + 30)

    def rotated() -> list[datetime]:
        return [t for t in shown_at(process, older["shareId"]) if t > newer_shown]

    wait_for(
        rotated,
        timeout=max(1.0, (latest - datetime.now(UTC)).total_seconds()),
        interval=1,
        what="rotation",
    )
    waited = (rotated()[0] - newer_shown).total_seconds()
    # Logged after each drawing: not before the interval (less what drawing a screen may take
    # on a busy machine), and not much after it.
    assert INTERVAL_SECONDS - 15 <= waited <= INTERVAL_SECONDS + 30, waited
