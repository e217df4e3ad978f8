"""The dashboard, served from counters and a feed kept on write.

Its DynamoDB cost is fixed: the user, the user's frames, 30 day counters and 20 feed items,
whatever the size of the library or the history.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import tables
from chalicelib.domain.timefmt import utcnow
from chalicelib.services import activity, frames


def summary(user_id: str) -> dict[str, Any]:
    now = utcnow()
    user = tables.UserRecord.get(user_id)
    mine = frames.of_owner(user_id)
    days = activity.days(user_id, now)
    return {
        "photos": int(user.photo_count or 0),
        "activeOnMyFrames": sum(int(f.active_items or 0) for f in mine),
        "sentThisWeek": sum(d["sent"] for d in days[-7:]),
        "framesOnline": sum(1 for f in mine if f.online),
        "framesOffline": sum(1 for f in mine if not f.online),
        "frames": [frames.describe(f) for f in mine],
        "activity": days,
        "recent": activity.recent(user_id, now),
    }
