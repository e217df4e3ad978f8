"""SnapStart: what the API and the authorizer do around their snapshot (docs/deploy.md).

With SnapStart, Lambda initialises a published version once, snapshots its memory, and every
cold start resumes a copy of that snapshot. Whatever init left in memory is then shared by
every copy:

- ``random``'s state: reseeded after a restore, or every copy draws the same numbers
  (``secrets`` and ``uuid4`` read ``os.urandom`` and need nothing);
- the botocore session, its clients and PynamoDB's connections hold connection pools and
  credentials: dropped after a restore and created again on first use (adapters/aws.py,
  adapters/tables.py).

Before the snapshot, the modules a first request would load lazily (Pillow, argon2,
cryptography: see docs/quality.md, "Cold starts") are imported, so a restored copy never pays
for them.

The hooks come from ``snapshot_restore_py``, which the Lambda Python runtime provides (it must
not be bundled: a second copy would hold a registry the runtime never reads). Where it is absent
(the local cloud, tests) nothing takes snapshots, and ``register`` does nothing.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
_registered = False
_to_prime: list[str] = []


def _runtime_hooks() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return None
    return register_before_snapshot, register_after_restore


def prime() -> None:
    """Import what the first requests would import lazily, so the snapshot holds it."""
    for name in _to_prime:
        importlib.import_module(name)


def refresh_after_restore() -> None:
    """Make this restored copy's randomness and connections its own."""
    from chalicelib.adapters import aws, tables

    random.seed()
    aws.client.cache_clear()
    aws.session.cache_clear()
    for model in tables.ALL_MODELS:
        model._connection = None
    log.info("restored from snapshot: random reseeded, AWS clients dropped")


def register(prime_modules: tuple[str, ...] = ()) -> bool:
    """Register the hooks (once per process) and the modules to import before the snapshot.

    Returns False where the runtime has no SnapStart hooks.
    """
    global _registered
    hooks = _runtime_hooks()
    if hooks is None:
        return False
    _to_prime.extend(m for m in prime_modules if m not in _to_prime)
    if not _registered:
        before_snapshot, after_restore = hooks
        before_snapshot(prime)
        after_restore(refresh_after_restore)
        _registered = True
    return True
