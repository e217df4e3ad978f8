"""Pairing a frame: the code it shows, how long it lives, a single claim, and the limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.api.models.frames import ClaimFrame
from chalicelib.api.models.pairing import StartPairing
from chalicelib.domain import jobs
from chalicelib.domain.errors import Conflict, NotFound, RateLimited, ValidationFailed
from chalicelib.services import pairing
from tests.unit.edge import command
from tests.unit.fakes import World

CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB...\n-----END CERTIFICATE REQUEST-----\n"
PANEL = "waveshare_7in5_v2"


def claim(code: object, name: object) -> ClaimFrame:
    return command(ClaimFrame, {"code": code, "name": name})


def start(world: World, source: str = "203.0.113.7") -> dict:
    started = command(StartPairing, {"csr": CSR, "panel": PANEL, "firmware": "1.0.0"})
    return pairing.start(world.deps, started, source=source)


def test_a_frame_gets_a_code_it_can_show_and_a_secret_to_poll_with(world):
    started = start(world)
    assert len(started["code"]) == 9 and started["code"][4] == "-"
    assert started["pollToken"].startswith("pt_")
    assert started["claimUrl"] == f"https://shareframe.test/frames/claim?code={started['code']}"


def test_the_poll_token_is_kept_only_as_a_hash(world):
    started = start(world)
    session = world.pairing.get(started["code"])
    assert started["pollToken"] not in session.poll_token_hash
    assert len(session.poll_token_hash) == 64


def test_a_code_lives_fifteen_minutes_and_a_timer_removes_it(world):
    started = start(world)
    expires = world.clock() + timedelta(minutes=15)
    assert started["expiresAt"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert world.timers.of(jobs.EXPIRE_PAIRING_SESSIONS) == [(expires, {"code": started["code"]})]


@pytest.mark.parametrize(
    ("csr", "panel", "firmware", "field"),
    [
        (None, PANEL, "1.0.0", "csr"),
        ("not a request", PANEL, "1.0.0", "csr"),
        (CSR, "a_panel_no_one_makes", "1.0.0", "panel"),
        (CSR, PANEL, "", "firmware"),
        (CSR, PANEL, "1" * 33, "firmware"),
        (CSR, PANEL, 100, "firmware"),
    ],
)
def test_a_start_with_bad_input_is_refused_and_stores_nothing(world, csr, panel, firmware, field):
    with pytest.raises(ValidationFailed) as err:
        asked = command(StartPairing, {"csr": csr, "panel": panel, "firmware": firmware})
        pairing.start(world.deps, asked, source="203.0.113.7")
    assert err.value.field == field
    assert world.pairing.records == {}


def test_one_network_may_start_120_pairings_an_hour(world):
    for _ in range(pairing.STARTS_PER_HOUR):
        start(world)
    with pytest.raises(RateLimited):
        start(world)
    assert start(world, source="198.51.100.9")["code"]
    world.clock.advance(hours=1)
    assert start(world)["code"]


def test_polling_before_the_claim_says_pending(world):
    started = start(world)
    assert pairing.poll(world.deps, started["code"], started["pollToken"]) == {"status": "pending"}


def test_polling_with_the_wrong_token_looks_like_an_unknown_code(world):
    started = start(world)
    with pytest.raises(NotFound):
        pairing.poll(world.deps, started["code"], "pt_guess")


def test_claiming_creates_the_users_frame_with_its_name(world):
    ana = world.user("Ana")
    started = start(world)
    frame = pairing.claim(world.deps, ana.user_id, claim(started["code"], "Kitchen"))
    assert (frame.owner_id, frame.name, frame.panel) == (ana.user_id, "Kitchen", PANEL)
    assert frame.certificate_id == f"cert-{frame.frame_id}"
    assert world.frame_channel.published == [frame.frame_id]


def test_after_the_claim_the_frame_polls_its_certificate_and_where_to_connect(world):
    ana = world.user("Ana")
    started = start(world)
    frame = pairing.claim(world.deps, ana.user_id, claim(started["code"], "Kitchen"))
    answer = pairing.poll(world.deps, started["code"], started["pollToken"])
    assert answer["status"] == "paired"
    assert answer["frameId"] == frame.frame_id
    assert answer["certificatePem"] == f"CERTIFICATE for {frame.frame_id}"
    assert answer["mqtt"] == {"host": "mqtt.test", "port": 8883}


def test_a_code_is_typed_however_the_user_likes(world):
    ana = world.user("Ana")
    code = start(world)["code"]
    typed = code.replace("-", " ").lower()
    assert pairing.claim(world.deps, ana.user_id, claim(typed, "Hall")).owner_id == ana.user_id


def test_a_code_can_be_claimed_only_once(world):
    ana, ben = world.user("Ana"), world.user("Ben")
    code = start(world)["code"]
    pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen"))
    with pytest.raises(Conflict) as err:
        pairing.claim(world.deps, ben.user_id, claim(code, "Mine now"))
    assert err.value.field == "code"
    assert world.frames.of_owner(ben.user_id) == []


def test_an_expired_code_cannot_be_claimed(world):
    ana = world.user("Ana")
    code = start(world)["code"]
    world.clock.advance(minutes=15)
    with pytest.raises(NotFound, match="expired"):
        pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen"))


def test_a_code_one_second_before_its_end_can_still_be_claimed(world):
    ana = world.user("Ana")
    code = start(world)["code"]
    world.clock.advance(minutes=14, seconds=59)
    assert pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen"))


@pytest.mark.parametrize("code", ["ABCD-EFGH", "ABCD-EFG0", "", "12345678"])
def test_an_unknown_or_impossible_code_is_not_found(world, code):
    ana = world.user("Ana")
    with pytest.raises(NotFound):
        pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen"))


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 61])
def test_a_frame_needs_a_sensible_name(world, name):
    ana = world.user("Ana")
    code = start(world)["code"]
    with pytest.raises(ValidationFailed):
        pairing.claim(world.deps, ana.user_id, claim(code, name))
    assert world.pairing.get(code).state == "pending"


def test_ten_codes_tried_in_fifteen_minutes_then_a_pause(world):
    ana = world.user("Ana")
    for _ in range(pairing.CLAIMS_PER_15_MINUTES):
        with pytest.raises(NotFound):
            pairing.claim(world.deps, ana.user_id, claim("ABCD-EFGH", "Kitchen"))
    code = start(world)["code"]
    with pytest.raises(RateLimited):
        pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen"))
    world.clock.advance(minutes=15)  # the next window (and a fresh code: the first expired)
    assert pairing.claim(world.deps, ana.user_id, claim(start(world)["code"], "Kitchen"))


def test_a_claim_that_fails_half_way_gives_the_code_back(world):
    ana = world.user("Ana")
    code = start(world)["code"]
    world.devices.fail_next = True
    with pytest.raises(RuntimeError):
        pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen"))
    session = world.pairing.get(code)
    assert (session.state, session.frame_id) == ("pending", None)
    assert world.frames.records == {}
    assert pairing.claim(world.deps, ana.user_id, claim(code, "Kitchen")).name == "Kitchen"
