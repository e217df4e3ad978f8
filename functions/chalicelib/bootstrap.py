"""Startup of every entrypoint: bind the configuration once, then build the services' bundle.

Every Lambda handler's module (``app.py``, the authorizer, each module of ``chalicelib/events``)
and every command that runs backend code in-process (``infra/release``) calls ``start()`` first.
Library modules never read the environment at import; tests call ``start(their_settings)``.

Entrypoints (routes, queue and IoT-rule handlers, scheduled jobs) then call ``deps()`` and pass
the result to a service; unit tests build a ``Deps`` of in-memory fakes instead. The bundle is
built on first use, not at import, so a cold start pays only for what its first request needs.
"""

from __future__ import annotations

from functools import cache
from typing import TextIO

from chalicelib import config, observability
from chalicelib.config import Settings
from chalicelib.domain.ids import new_id
from chalicelib.domain.timefmt import utcnow
from chalicelib.services.ports import Deps


def start(settings: Settings | None = None, *, log_stream: TextIO | None = None) -> Settings:
    """Bind ``settings`` (default: what is bound already, else the environment's) everywhere.

    Idempotent: a second entry module in the same process (``app.py`` imports the blueprints)
    keeps what the first bound, so a test that bound its own settings keeps them.
    """
    chosen = settings or config.bound() or Settings.from_env()
    config.bind(chosen)  # the tables follow it (adapters/tables.py)
    observability.configure(log_stream)
    return chosen


def deps() -> Deps:
    """The bundle for the settings this process is bound to (built on first use)."""
    return _bundle(config.settings())


@cache
def _bundle(settings: Settings) -> Deps:
    from chalicelib.adapters import (
        mailer,
        media_store,
        rate_limiter,
        render_queue,
        repositories,
        timers,
    )
    from chalicelib.services import activity, frame_sync, images

    return Deps(
        settings=settings,
        users=repositories.DynamoUsers(),
        images=repositories.DynamoImages(),
        frames=repositories.DynamoFrames(),
        shares=repositories.DynamoShares(),
        friendships=repositories.DynamoFriendships(),
        pairing=repositories.DynamoPairingSessions(),
        devices=repositories.DeviceRegistry(),
        media=media_store,
        render=images.rendition,
        cached_rendition=images.cached_rendition,
        render_queue=render_queue,
        clock=utcnow,
        new_id=new_id,
        timers=timers,
        rate_limiter=rate_limiter,
        activity=activity,
        mailer=mailer,
        frame_channel=frame_sync,
    )
