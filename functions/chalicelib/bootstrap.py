"""Startup of every entrypoint: bind the configuration, once, before any work.

Every Lambda handler's module (``app.py``, the authorizer, each module of ``chalicelib/events``)
and every command that runs backend code in-process (``infra/release``) calls ``start()`` first.
Library modules never read the environment at import; tests call ``start(their_settings)``.
"""

from __future__ import annotations

from chalicelib import config, observability
from chalicelib.adapters import tables
from chalicelib.config import Settings


def start(settings: Settings | None = None) -> Settings:
    """Bind ``settings`` (default: what is bound already, else the environment's) everywhere.

    Idempotent: a second entry module in the same process (``app.py`` imports the blueprints)
    keeps what the first bound, so a test that bound its own settings keeps them.
    """
    chosen = settings or config.bound() or Settings.from_env()
    config.bind(chosen)
    tables.bind(chosen)
    observability.configure()
    return chosen
