"""The dashboard."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.api.models.dashboard import Dashboard
from chalicelib.services import dashboard

blueprint = Blueprint(__name__)
api = Api(blueprint, "dashboard")


@api.route(
    "/dashboard",
    "GET",
    operation_id="getDashboard",
    summary="Counters, 30 days of activity and the recent feed.",
    response=Dashboard,
)
def summary(call: Call) -> dict[str, Any]:
    return dashboard.summary(call.user_id)
