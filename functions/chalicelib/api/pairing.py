"""The frame's side of pairing: unauthenticated, rate-limited, and useless without the code."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.api.models.pairing import (
    PollPairing,
    PollPairingResult,
    StartPairing,
    StartPairingResult,
)
from chalicelib.services import pairing

blueprint = Blueprint(__name__)
api = Api(blueprint, "pairing")


@api.route(
    "/pairing",
    "POST",
    operation_id="startPairing",
    summary="A frame asks for a pairing code (unauthenticated, rate-limited).",
    body=StartPairing,
    response=StartPairingResult,
    public=True,
    status=201,
)
def start(call: Call, body: StartPairing) -> dict[str, Any]:
    return pairing.start(bootstrap.deps(), body, source=call.source)


@api.route(
    "/pairing/{code}/poll",
    "POST",
    operation_id="pollPairing",
    summary="The frame polls until its owner has claimed the code.",
    body=PollPairing,
    response=PollPairingResult,
    public=True,
    params={"code": "The pairing code, e.g. K7QM-T4ZP."},
)
def poll(call: Call, code: str, body: PollPairing) -> dict[str, Any]:
    return pairing.poll(bootstrap.deps(), code, body.poll_token)
