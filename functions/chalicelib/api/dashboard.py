"""The dashboard, and the notifications page (the same activity feed, paged)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call
from chalicelib.api.models.dashboard import (
    Dashboard,
    ListNotificationsQuery,
    ListNotificationsResult,
    MarkNotificationsSeen,
    UnseenNotifications,
)
from chalicelib.domain.timefmt import utcnow
from chalicelib.services import activity, dashboard

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


@api.route(
    "/notifications",
    "GET",
    operation_id="listNotifications",
    summary="What happened to the user (last 30 days), newest first, paged.",
    query=ListNotificationsQuery,
    response=ListNotificationsResult,
    tag="notifications",
)
def notifications(call: Call, query: ListNotificationsQuery) -> dict[str, Any]:
    return activity.notifications(call.user_id, utcnow(), query.limit, query.cursor)


@api.route(
    "/notifications/unseen",
    "GET",
    operation_id="countUnseenNotifications",
    summary="How many notifications are new (for a badge).",
    response=UnseenNotifications,
    tag="notifications",
)
def unseen(call: Call) -> dict[str, Any]:
    return {"unseen": activity.unseen(call.user_id, utcnow())}


@api.route(
    "/notifications/seen",
    "POST",
    operation_id="markNotificationsSeen",
    summary="Mark notifications up to one entry as seen (never moves back).",
    body=MarkNotificationsSeen,
    tag="notifications",
)
def mark_seen(call: Call, body: MarkNotificationsSeen) -> None:
    activity.mark_seen(call.user_id, body.up_to)
