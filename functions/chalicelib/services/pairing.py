"""Pairing a frame to an account (device flow): the frame shows a code, a user claims it."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from chalicelib.adapters import tables
from chalicelib.api.models.frames import ClaimFrame
from chalicelib.api.models.pairing import StartPairing
from chalicelib.domain import codes, jobs
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.frame_settings import validate_name
from chalicelib.domain.timefmt import iso
from chalicelib.services.ports import Deps

log = logging.getLogger(__name__)
POLL_INTERVAL_SECONDS = 3
STARTS_PER_HOUR = 120  # per source address: frames behind one NAT share it
CLAIMS_PER_15_MINUTES = 10


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(deps: Deps, command: StartPairing, *, source: str) -> dict[str, Any]:
    """A frame asks for a code (the panel and the firmware string were checked at the edge)."""
    csr, panel, firmware = command.csr, command.panel, command.firmware
    deps.devices.validate_csr(csr)
    deps.rate_limiter.hit(
        "pairing-start",
        source,
        limit=STARTS_PER_HOUR,
        window_seconds=3600,
        message="Too many pairing attempts from this network. Try again later.",
    )
    now = deps.clock()
    expires = now + timedelta(seconds=deps.settings.pairing_session_seconds)
    poll_token = "pt_" + secrets.token_urlsafe(24)
    for _ in range(5):
        code = codes.new_code()
        session = tables.PairingSessionRecord(
            code,
            poll_token_hash=_hash(poll_token),
            csr_pem=csr,
            panel=panel,
            firmware=firmware,
            created_at=now,
            expires_at=expires,
            ttl=int(expires.timestamp()),
        )
        if deps.pairing.open(session):
            break
    else:  # pragma: no cover - 40 bits of code space
        raise Conflict("Could not allocate a pairing code. Please try again.")
    deps.timers.schedule(jobs.EXPIRE_PAIRING_SESSIONS, expires, {"code": code}, now=now)
    return {
        "code": code,
        "pollToken": poll_token,
        "expiresAt": iso(expires),
        "pollIntervalSeconds": POLL_INTERVAL_SECONDS,
        "claimUrl": f"{deps.settings.web_url}/frames/claim?code={code}",
    }


def _live_session(deps: Deps, code: object) -> tables.PairingSessionRecord:
    normal = codes.normalise_code(code) if isinstance(code, str) else None
    session = deps.pairing.get(normal) if normal is not None else None
    if session is None or session.expires_at <= deps.clock():
        raise NotFound("This pairing code is not valid or has expired.")
    return session


def poll(deps: Deps, code: str, poll_token: str) -> dict[str, Any]:
    session = _live_session(deps, code)
    if not secrets.compare_digest(session.poll_token_hash, _hash(poll_token)):
        raise NotFound("This pairing code is not valid or has expired.")
    if session.state != "claimed" or not session.certificate_pem:
        return {"status": "pending"}
    cfg = deps.settings
    return {
        "status": "paired",
        "frameId": session.frame_id,
        "certificatePem": session.certificate_pem,
        "serverCaPem": deps.devices.server_root_pem(),
        "mqtt": {"host": cfg.mqtt_host, "port": cfg.mqtt_port},
    }


def claim(deps: Deps, user_id: str, command: ClaimFrame) -> tables.FrameRecord:
    """Claim a code: create the thing, its certificate and the frame; single use."""
    code = command.code
    frame_name = validate_name(command.name)
    deps.rate_limiter.hit(
        "pairing-claim",
        user_id,
        limit=CLAIMS_PER_15_MINUTES,
        window_seconds=900,
        message="Too many codes tried. Please wait 15 minutes and check the code.",
    )
    session = _live_session(deps, code)
    frame_id = deps.new_id("frm")
    if not deps.pairing.take(session, frame_id):  # only one claim can win
        raise Conflict("This code has already been used.", field="code")
    try:
        certificate, certificate_id = deps.devices.provision(session.csr_pem, frame_id)
        frame = tables.FrameRecord(
            frame_id,
            owner_id=user_id,
            name=frame_name,
            panel=session.panel,
            firmware=session.firmware,
            certificate_id=certificate_id,
            pairing_code=session.code,
            created_at=deps.clock(),
        )
        if not deps.frames.add(frame):
            raise Conflict("Could not pair this frame. Please try again.", field="code")
    except Exception:
        deps.pairing.give_back(session)
        raise
    deps.pairing.complete(session, certificate)
    deps.frame_channel.publish(frame_id)
    log.info("frame paired", extra={"frameId": frame_id, "userId": user_id})
    found = deps.frames.get(frame_id)
    assert found is not None
    return found
