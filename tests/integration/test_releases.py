"""Firmware releases: targets, rollouts, owner consent, progress and release notes."""

import base64
import json

import pytest

from chalicelib.domain.releases import Release, in_rollout
from chalicelib.services import releases
from tests.integration.conftest import call, frame_reports, pair_frame, published, signup

SIGNATURE = base64.b64encode(b"s" * 64).decode()


def register(version, criticality="minor", **extra):
    return releases.register(
        version=version,
        channel="stable",
        criticality=criticality,
        notes=f"# {version}\nBetter.",
        bundle_key=f"firmware/stable/{version}.tar.gz",
        sha256="a" * 64,
        signature=SIGNATURE,
        size=1000,
        **extra,
    )


def body(response):
    return json.loads(response.body)


@pytest.fixture
def owner_and_frame(client):
    ana = signup(client, "ana@example.com")
    frame = pair_frame(client, ana)
    client.lambda_.invoke(
        "frame_status", {"frameId": frame["frameId"], "online": True, "firmware": "0.1.0"}
    )
    return ana, frame


def test_a_release_reaches_the_desired_state_of_a_frame_that_connects(client, owner_and_frame):
    ana, frame = owner_and_frame
    register("0.2.0")
    client.lambda_.invoke(
        "frame_status", {"frameId": frame["frameId"], "online": True, "firmware": "0.1.0"}
    )
    _, desired = published()[-1]
    assert desired["firmware"]["version"] == "0.2.0" and desired["firmware"]["install"] is True
    assert desired["firmware"]["signature"] == SIGNATURE


def test_without_automatic_updates_only_critical_releases_install_on_their_own(
    client, owner_and_frame
):
    ana, frame = owner_and_frame
    call(client, "PATCH", f"/frames/{frame['frameId']}", {"autoUpdate": False}, ana)
    register("0.2.0")
    frame_reports(client, frame["frameId"], type="firmware_check")
    _, desired = published()[-1]
    assert desired["firmware"]["install"] is False
    assert (
        call(client, "POST", f"/frames/{frame['frameId']}/firmware/update", None, ana).status_code
        == 202
    )
    _, desired = published()[-1]
    assert desired["firmware"]["install"] is True
    register("0.3.0", criticality="critical")
    frame_reports(client, frame["frameId"], type="firmware_check")
    _, desired = published()[-1]
    assert desired["firmware"]["version"] == "0.3.0" and desired["firmware"]["install"] is True


def test_progress_reports_build_the_history_and_confirmation_sets_the_version(
    client, owner_and_frame
):
    ana, frame = owner_and_frame
    register("0.2.0")
    for state in ("downloading", "installing", "confirmed"):
        frame_reports(
            client, frame["frameId"], type="firmware", version="0.2.0", state=state, eventId=state
        )
    info = body(call(client, "GET", f"/frames/{frame['frameId']}/firmware", user=ana))
    assert info["version"] == "0.2.0" and info["available"] is None
    assert [h["state"] for h in info["history"]] == ["confirmed", "installing", "downloading"]
    assert (
        frame_reports(client, frame["frameId"], type="firmware", version="0.2.0", state="exploded")
        == "ignored: malformed"
    )


def test_release_notes_are_newest_first_and_say_what_is_new_since_a_version(
    client, owner_and_frame
):
    ana, frame = owner_and_frame
    for version in ("0.2.0", "0.10.0", "0.3.0"):
        register(version)
    notes = body(call(client, "GET", "/releases?channel=stable", user=ana))["items"]
    assert [n["version"] for n in notes] == ["0.10.0", "0.3.0", "0.2.0"]
    since = body(call(client, "GET", "/releases?channel=stable&since=0.2.0", user=ana))["items"]
    assert [n["version"] for n in since] == ["0.10.0", "0.3.0"]
    assert [
        n["version"]
        for n in body(call(client, "GET", f"/frames/{frame['frameId']}/firmware", user=ana))[
            "whatsNew"
        ]
    ] == ["0.10.0", "0.3.0", "0.2.0"]


def test_a_paused_release_reaches_nobody_and_a_percentage_reaches_about_that_share():
    release = Release("0.2.0", "stable", "minor", False, 25, ())
    inside = sum(in_rollout(release, f"frm_{i:026d}", None) for i in range(4000))
    assert 850 < inside < 1150
    assert not in_rollout(Release("0.2.0", "stable", "minor", True, 100, ()), "frm_x", None)
    assert in_rollout(Release("0.2.0", "stable", "minor", False, 0, ("lab",)), "frm_x", "lab")


def test_bad_releases_are_refused(client):
    with pytest.raises(Exception, match="version"):
        register("1.2")
    register("0.2.0")
    with pytest.raises(Exception, match="already exists"):
        register("0.2.0")


def test_a_version_that_failed_on_a_frame_is_not_offered_to_it_again(client, owner_and_frame):
    ana, frame = owner_and_frame
    register("0.2.0")
    frame_reports(
        client,
        frame["frameId"],
        type="firmware",
        version="0.2.0",
        state="rolled_back",
        reason="crash_loop",
    )
    info = body(call(client, "GET", f"/frames/{frame['frameId']}/firmware", user=ana))
    assert info["available"] is None
    frame_reports(client, frame["frameId"], type="firmware_check")
    _, desired = published()[-1]
    assert desired["firmware"] is None
    register("0.2.1")
    assert (
        body(call(client, "GET", f"/frames/{frame['frameId']}/firmware", user=ana))["available"][
            "version"
        ]
        == "0.2.1"
    )


def test_a_release_can_be_pushed_to_the_frames_of_its_channel_at_once(client, owner_and_frame):
    from chalicelib.services import rollouts

    _, frame = owner_and_frame
    register("0.2.0")
    before = len(published())
    assert rollouts.notify_channel("stable") == 1
    assert len(published()) == before + 1
    assert rollouts.notify_channel("stable") == 0  # already told


def test_a_refused_release_is_not_listed_as_whats_new(client, owner_and_frame):
    ana, frame = owner_and_frame
    register("0.2.0")
    register("0.3.0")
    frame_reports(
        client,
        frame["frameId"],
        type="firmware",
        version="0.3.0",
        state="failed",
        reason="bad_signature",
    )
    info = body(call(client, "GET", f"/frames/{frame['frameId']}/firmware", user=ana))
    assert info["available"]["version"] == "0.2.0"
    assert [n["version"] for n in info["whatsNew"]] == ["0.2.0"]
    # The channel's own list still has every release: only this frame's news leaves it out.
    listed = body(call(client, "GET", "/releases?channel=stable&since=0.1.0", user=ana))["items"]
    assert [n["version"] for n in listed] == ["0.3.0", "0.2.0"]
