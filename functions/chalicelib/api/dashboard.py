"""The dashboard."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.services import dashboard

blueprint = Blueprint(__name__)
api = Api(blueprint)


@api.route("/dashboard", ["GET"])
def summary(call: Call) -> dict[str, Any]:
    return dashboard.summary(call.user_id)
