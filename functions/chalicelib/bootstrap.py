"""Builds the services' dependency bundle from the real adapters, once per container.

Entrypoints (routes, queue and IoT-rule handlers, scheduled jobs) call ``deps()`` and pass the
result to a service; unit tests build a ``Deps`` of in-memory fakes instead. Built on first use,
not at import, so a cold start pays only for what its first request needs.
"""

from __future__ import annotations

from functools import cache

from chalicelib.config import Settings, settings
from chalicelib.domain.ids import new_id
from chalicelib.domain.timefmt import utcnow
from chalicelib.services.ports import Deps


def deps() -> Deps:
    """The bundle for the settings this process is bound to (built on first use)."""
    return _bundle(settings())


@cache
def _bundle(config: Settings) -> Deps:
    from chalicelib.adapters import mailer, media_store, rate_limiter, repositories, timers
    from chalicelib.services import activity, frame_sync, images

    return Deps(
        settings=config,
        users=repositories.DynamoUsers(),
        images=repositories.DynamoImages(),
        frames=repositories.DynamoFrames(),
        shares=repositories.DynamoShares(),
        friendships=repositories.DynamoFriendships(),
        pairing=repositories.DynamoPairingSessions(),
        devices=repositories.DeviceRegistry(),
        media=media_store,
        render=images.rendition,
        clock=utcnow,
        new_id=new_id,
        timers=timers,
        rate_limiter=rate_limiter,
        activity=activity,
        mailer=mailer,
        frame_channel=frame_sync,
    )
