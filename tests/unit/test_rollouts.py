"""Firmware releases and rollouts: versions, channels, percentages, groups, criticality, and
what each frame is offered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.adapters.tables import FrameRecord, ReleaseRecord
from chalicelib.domain import releases as rules
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services import releases


def release(
    version: str,
    *,
    criticality: str = "minor",
    paused: bool = False,
    percent: int = 100,
    groups: tuple[str, ...] = (),
) -> rules.Release:
    return rules.Release(version, "stable", criticality, paused, percent, groups)


def frames_in(r: rules.Release, count: int = 1000, group: str | None = None) -> set[str]:
    return {f"frm_{i}" for i in range(count) if rules.in_rollout(r, f"frm_{i}", group)}


# --- versions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"), [("0.0.0", (0, 0, 0)), ("1.4.2", (1, 4, 2)), ("10.0.13", (10, 0, 13))]
)
def test_a_version_is_three_numbers(text, parsed):
    assert rules.parse_version(text) == parsed


@pytest.mark.parametrize("text", ["1.4", "1.4.2-beta", "01.2.3", "v1.2.3", "", None, "1.2.3.4"])
def test_anything_else_is_not_a_version(text):
    with pytest.raises(ValidationFailed):
        rules.parse_version(text)


def test_version_keys_sort_like_versions_not_like_text():
    versions = ["1.10.0", "1.9.9", "0.20.1", "1.2.10", "1.2.9"]
    assert sorted(versions, key=rules.version_key) == [
        "0.20.1",
        "1.2.9",
        "1.2.10",
        "1.9.9",
        "1.10.0",
    ]


@pytest.mark.parametrize(
    ("candidate", "running", "newer"),
    [
        ("1.0.1", "1.0.0", True),
        ("1.0.0", "1.0.0", False),
        ("0.9.9", "1.0.0", False),
        ("1.10.0", "1.9.0", True),
        ("1.0.0", None, True),
        ("1.0.0", "garbage", True),
    ],
)
def test_newer_compares_versions_and_a_frame_reporting_garbage_gets_the_newest(
    candidate, running, newer
):
    assert rules.newer(candidate, running) is newer


# --- rollouts ----------------------------------------------------------------------------------


def test_a_paused_release_reaches_no_frame_even_in_its_group():
    r = release("1.1.0", paused=True, groups=("staff",))
    assert not rules.in_rollout(r, "frm_1", "staff")


def test_a_full_rollout_reaches_every_frame():
    assert len(frames_in(release("1.1.0"))) == 1000


def test_a_zero_percent_rollout_reaches_only_its_groups():
    r = release("1.1.0", percent=0, groups=("staff",))
    assert frames_in(r) == set()
    assert len(frames_in(r, group="staff")) == 1000


def test_a_percentage_rollout_reaches_about_that_share_of_frames():
    assert 150 <= len(frames_in(release("1.1.0", percent=20))) <= 250


def test_growing_a_rollout_keeps_the_frames_already_in_it():
    small = frames_in(release("1.1.0", percent=10))
    large = frames_in(release("1.1.0", percent=50))
    assert small and small <= large


def test_each_release_picks_its_own_frames():
    assert frames_in(release("1.1.0", percent=10)) != frames_in(release("1.2.0", percent=10))


def test_a_frame_in_another_group_waits_for_the_percentage():
    r = release("1.1.0", percent=0, groups=("staff",))
    assert not rules.in_rollout(r, "frm_1", "beta-testers")


# --- the target of a frame --------------------------------------------------------------------


def test_the_target_is_the_newest_release_the_frame_is_in():
    found = rules.target(
        [release("1.1.0"), release("1.3.0"), release("1.2.0")],
        frame_id="frm_1",
        group=None,
        running="1.0.0",
    )
    assert found is not None and found.version == "1.3.0"


def test_a_frame_not_in_the_newest_rollout_gets_the_newest_it_is_in():
    outside = next(
        f"frm_{i}" for i in range(1000) if f"frm_{i}" not in frames_in(release("1.3.0", percent=10))
    )
    found = rules.target(
        [release("1.2.0"), release("1.3.0", percent=10)],
        frame_id=outside,
        group=None,
        running="1.0.0",
    )
    assert found is not None and found.version == "1.2.0"


def test_a_frame_running_the_newest_has_no_target():
    assert rules.target([release("1.1.0")], frame_id="frm_1", group=None, running="1.1.0") is None


def test_a_frame_never_goes_back_to_an_older_release():
    assert rules.target([release("0.9.0")], frame_id="frm_1", group=None, running="1.0.0") is None


def test_a_version_that_failed_on_a_frame_is_never_offered_to_it_again():
    found = rules.target(
        [release("1.1.0"), release("1.2.0")],
        frame_id="frm_1",
        group=None,
        running="1.0.0",
        failed=frozenset({"1.2.0"}),
    )
    assert found is not None and found.version == "1.1.0"


# --- criticality and consent -------------------------------------------------------------------


def test_a_critical_release_installs_even_with_automatic_updates_off():
    assert rules.may_install(
        release("1.1.0", criticality="critical"), auto_update=False, requested=None
    )


@pytest.mark.parametrize("criticality", ["important", "minor", "patch"])
def test_other_releases_wait_for_consent_when_automatic_updates_are_off(criticality):
    r = release("1.1.0", criticality=criticality)
    assert not rules.may_install(r, auto_update=False, requested=None)
    assert rules.may_install(r, auto_update=True, requested=None)


def test_asking_for_one_version_does_not_consent_to_another():
    r = release("1.2.0")
    assert rules.may_install(r, auto_update=False, requested="1.2.0")
    assert not rules.may_install(r, auto_update=False, requested="1.1.0")


def test_whats_new_lists_newer_releases_newest_first():
    found = rules.since([release("1.0.0"), release("1.2.0"), release("1.1.0")], "1.0.0")
    assert [r.version for r in found] == ["1.2.0", "1.1.0"]


# --- what a frame is told (services.releases over a catalogue in memory) ----------------------


def record(version: str, **fields) -> ReleaseRecord:
    defaults = {
        "criticality": "minor",
        "paused": False,
        "rollout_percent": 100,
        "rollout_groups": [],
    }
    return ReleaseRecord(
        "stable",
        rules.version_key(version),
        version=version,
        notes="notes",
        bundle_key=f"firmware/{version}.tar.gz",
        sha256="0" * 64,
        signature="sig",
        bytes=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        **(defaults | fields),
    )


def frame(**fields) -> FrameRecord:
    values = {"owner_id": "usr_1", "name": "Kitchen", "panel": "p", "certificate_id": "c"}
    values |= {"firmware": "1.0.0", "created_at": datetime(2026, 11, 1, tzinfo=UTC)}
    return FrameRecord("frm_1", **(values | fields))


def test_a_frame_with_automatic_updates_is_told_to_install():
    assert releases.firmware_offer(frame(), [record("1.1.0")]) == "1.1.0 install"


def test_a_frame_without_automatic_updates_is_only_offered_the_release():
    assert releases.firmware_offer(frame(auto_update=False), [record("1.1.0")]) == "1.1.0 offer"


def test_the_owners_update_request_turns_the_offer_into_an_install():
    f = frame(auto_update=False, update_requested="1.1.0")
    assert releases.firmware_offer(f, [record("1.1.0")]) == "1.1.0 install"


def test_a_critical_release_is_installed_without_consent():
    f = frame(auto_update=False)
    assert releases.firmware_offer(f, [record("1.1.0", criticality="critical")]) == "1.1.0 install"


def test_a_frame_up_to_date_is_told_nothing():
    assert releases.firmware_offer(frame(firmware="1.1.0"), [record("1.1.0")]) is None


def test_a_paused_release_is_withdrawn_from_the_offer():
    assert releases.firmware_offer(frame(), [record("1.1.0", paused=True)]) is None


def test_a_frame_in_a_rollout_group_gets_a_release_at_zero_percent():
    catalogue = [record("1.1.0", rollout_percent=0, rollout_groups=["staff"])]
    assert releases.firmware_offer(frame(rollout_group="staff"), catalogue) == "1.1.0 install"
    assert releases.firmware_offer(frame(), catalogue) is None


def test_a_release_the_frame_rolled_back_is_not_offered_again():
    f = frame(failed_firmware=["1.1.0"])
    assert releases.firmware_offer(f, [record("1.1.0")]) is None


# --- registering a release: what is refused before anything is stored ---------------------------

VALID = {
    "version": "1.1.0",
    "channel": "stable",
    "criticality": "minor",
    "notes": "Faster wake-up.",
    "bundle_key": "firmware/1.1.0.tar.gz",
    "sha256": "a" * 64,
    "signature": "A" * 86 + "==",
    "size": 1000,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": "1.1"}, "version"),
        ({"channel": "nightly"}, "channel"),
        ({"criticality": "urgent"}, "criticality"),
        ({"notes": ""}, "notes"),
        ({"notes": "x" * 20_001}, "notes"),
        ({"sha256": "A" * 64}, "sha256"),
        ({"signature": "c2hvcnQ="}, "signature"),
        ({"manifest": "{}"}, "manifestSignature"),
        ({"rollout_percent": 101}, "rolloutPercent"),
        ({"rollout_groups": ["Staff"]}, "rolloutGroups"),
    ],
)
def test_a_release_with_a_bad_field_is_refused(change, field):
    with pytest.raises(ValidationFailed) as err:
        releases.register(**(VALID | change))
    assert err.value.field == field


def test_a_manifest_that_describes_another_release_is_refused():
    manifest = (
        '{"version": "1.2.0", "channel": "stable", "sha256": "' + "a" * 64 + '", "bytes": 1000}'
    )
    with pytest.raises(ValidationFailed, match="does not describe"):
        releases.register(**VALID, manifest=manifest, manifest_signature=VALID["signature"])
