"""SnapStart: what every function does around its snapshot (docs/deploy.md).

With SnapStart, Lambda initialises a published version once, snapshots its memory, and every
cold start resumes a copy of that snapshot. Whatever init left in memory is then shared by
every copy:

- ``random``'s state: reseeded after a restore, or every copy draws the same numbers
  (``secrets`` and ``uuid4`` read ``os.urandom`` and need nothing);
- the AWS clients and PynamoDB's connections hold connection pools and credentials: dropped
  after a restore and created again on first use; the botocore session is kept, with the data
  files it parsed, as long as it never resolved credentials (adapters/aws.py).

Before the snapshot (``prime``), what a first request would load lazily is loaded, so a
restored copy never pays for it: the AWS SDK and the DynamoDB tables (a function's module import
leaves them out: adapters/__init__.py), the parsed models of every service the backend calls
(``aws.load_models``: no credentials, no request), and each function's own heavy modules
(Pillow, argon2, cryptography: docs/quality.md, "Cold starts"); a primed module's
``before_snapshot()``, if it has one, does what its first call would do beyond importing
(the rendering engine builds its panels' tone tables).

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

from chalicelib import adapters
from chalicelib.adapters import aws, tables

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
    """Load what the first requests would load lazily, so the snapshot holds it."""
    adapters.load_all()
    aws.load_models()
    for name in _to_prime:
        module = importlib.import_module(name)
        before_snapshot = getattr(module, "before_snapshot", None)
        if before_snapshot is not None:  # work beyond the import (rendering's tone tables)
            before_snapshot()


def refresh_after_restore() -> None:
    """Make this restored copy's randomness, credentials and connections its own."""
    random.seed()
    if adapters.loaded("aws"):
        aws.forget_connections()
    if adapters.loaded("tables"):
        for model in tables.ALL_MODELS:
            model._connection = None
    log.info("restored from snapshot: random reseeded, AWS clients dropped")


def register(prime_modules: tuple[str, ...] = ()) -> bool:
    """Register the hooks (once per process) and the modules to import before the snapshot.

    Every function's module calls this once, after its own imports. A module it imports calls
    it first (app.py imports every blueprint to register their routes and functions, and each
    blueprint's module is another function's), so the last call is the function's own, and its
    modules replace the earlier ones: the API must not prime pillow-heif because the upload
    function, whose layers have it, asks for it.

    Returns False where the runtime has no SnapStart hooks.
    """
    global _registered
    hooks = _runtime_hooks()
    if hooks is None:
        return False
    _to_prime[:] = prime_modules
    if not _registered:
        before_snapshot, after_restore = hooks
        before_snapshot(prime)
        after_restore(refresh_after_restore)
        _registered = True
    return True
