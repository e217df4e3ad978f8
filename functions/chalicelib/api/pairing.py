"""The frame's side of pairing: unauthenticated, rate-limited, and useless without the code."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import bootstrap
from chalicelib.api.http import Api, Call
from chalicelib.services import pairing

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/pairing", ["POST"], public=True, status=201)
def start(call: Call) -> dict[str, Any]:
    body = call.body
    return pairing.start(
        bootstrap.deps(),
        body.get("csr"),
        body.get("panel"),
        body.get("firmware"),
        source=call.source,
    )


@api.route("/pairing/{code}/poll", ["POST"], public=True)
def poll(call: Call, code: str) -> dict[str, Any]:
    return pairing.poll(bootstrap.deps(), code, call.body.get("pollToken"))
