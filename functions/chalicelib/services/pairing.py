"""Pairing a frame to an account (device flow): the frame shows a code, a user claims it."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.adapters import device_ca, iot_registry, rate_limiter, timers
from chalicelib.adapters.tables import FrameRecord, PairingSessionRecord
from chalicelib.api.models.frames import ClaimFrame
from chalicelib.api.models.pairing import StartPairing
from chalicelib.config import settings
from chalicelib.domain import codes, jobs
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.frame_settings import validate_name
from chalicelib.domain.ids import new_id
from chalicelib.domain.timefmt import iso, utcnow
from chalicelib.services import frame_sync

log = logging.getLogger(__name__)
POLL_INTERVAL_SECONDS = 3


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(command: StartPairing, *, source: str) -> dict[str, Any]:
    """A frame asks for a code (the panel and the firmware string were checked at the edge)."""
    csr, panel, firmware = command.csr, command.panel, command.firmware
    device_ca.validate_csr(csr)
    rate_limiter.hit(
        "pairing-start",
        source,
        limit=120,  # per source address: frames behind one NAT share it
        window_seconds=3600,
        message="Too many pairing attempts from this network. Try again later.",
    )
    now = utcnow()
    expires = now + timedelta(seconds=settings().pairing_session_seconds)
    poll_token = "pt_" + secrets.token_urlsafe(24)
    for _ in range(5):
        code = codes.new_code()
        try:
            PairingSessionRecord(
                code,
                poll_token_hash=_hash(poll_token),
                csr_pem=csr,
                panel=panel,
                firmware=firmware,
                created_at=now,
                expires_at=expires,
                ttl=int(expires.timestamp()),
            ).save(condition=PairingSessionRecord.code.does_not_exist())
            break
        except PutError as err:
            if err.cause_response_code != "ConditionalCheckFailedException":
                raise
    else:  # pragma: no cover - 40 bits of code space
        raise Conflict("Could not allocate a pairing code. Please try again.")
    timers.schedule(jobs.EXPIRE_PAIRING_SESSIONS, expires, {"code": code}, now=now)
    return {
        "code": code,
        "pollToken": poll_token,
        "expiresAt": iso(expires),
        "pollIntervalSeconds": POLL_INTERVAL_SECONDS,
        "claimUrl": f"{settings().web_url}/frames/claim?code={code}",
    }


def _live_session(code: object) -> PairingSessionRecord:
    gone = NotFound("This pairing code is not valid or has expired.")
    normal = codes.normalise_code(code) if isinstance(code, str) else None
    if normal is None:
        raise gone
    try:
        session = PairingSessionRecord.get(normal, consistent_read=True)
    except DoesNotExist as err:
        raise gone from err
    if session.expires_at <= utcnow():
        raise gone
    return session


def poll(code: str, poll_token: str) -> dict[str, Any]:
    session = _live_session(code)
    if not secrets.compare_digest(session.poll_token_hash, _hash(poll_token)):
        raise NotFound("This pairing code is not valid or has expired.")
    if session.state != "claimed" or not session.certificate_pem:
        return {"status": "pending"}
    cfg = settings()
    return {
        "status": "paired",
        "frameId": session.frame_id,
        "certificatePem": session.certificate_pem,
        "serverCaPem": device_ca.device_ca().server_root_pem,
        "mqtt": {"host": cfg.mqtt_host, "port": cfg.mqtt_port},
    }


def claim(user_id: str, command: ClaimFrame) -> FrameRecord:
    """Claim a code: create the thing, its certificate and the frame; single use."""
    code = command.code
    frame_name = validate_name(command.name)
    rate_limiter.hit(
        "pairing-claim",
        user_id,
        limit=10,
        window_seconds=900,
        message="Too many codes tried. Please wait 15 minutes and check the code.",
    )
    session = _live_session(code)
    frame_id = new_id("frm")
    try:  # take the session: only one claim can win
        session.update(
            actions=[
                PairingSessionRecord.state.set("claiming"),
                PairingSessionRecord.frame_id.set(frame_id),
            ],
            condition=PairingSessionRecord.state == "pending",
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("This code has already been used.", field="code") from err
        raise
    try:
        certificate = device_ca.issue_certificate(session.csr_pem, frame_id)
        registered = iot_registry.register_frame(
            frame_id, certificate, device_ca.device_ca().certificate_pem
        )
        frame = FrameRecord(
            frame_id,
            owner_id=user_id,
            name=frame_name,
            panel=session.panel,
            firmware=session.firmware,
            certificate_id=registered.certificate_id,
            pairing_code=session.code,
            created_at=utcnow(),
        )
        frame.save(condition=FrameRecord.frame_id.does_not_exist())
    except Exception:
        session.update(
            actions=[
                PairingSessionRecord.state.set("pending"),
                PairingSessionRecord.frame_id.remove(),
            ]
        )
        raise
    session.update(
        actions=[
            PairingSessionRecord.state.set("claimed"),
            PairingSessionRecord.certificate_pem.set(certificate),
        ]
    )
    frame_sync.publish(frame_id)
    log.info("frame paired", extra={"frameId": frame_id, "userId": user_id})
    return FrameRecord.get(frame_id)
