"""Adapters: the backend's edges (AWS, DynamoDB, mail, queues). Services call them.

The modules that import the AWS SDK (``aws``: botocore; ``tables``: PynamoDB, which imports
botocore; ``media_store``: botocore's signers) are loaded on first use, not at import: importing
botocore costs ~0.3-0.45 s of CPU, most of every function's cold import (docs/quality.md, "Cold
starts"), and a function's module import should not pay for it before its handler runs.

The one mechanism: importing this package puts, for each name in ``LAZY``, a module in
``sys.modules`` whose code runs when one of its attributes is first looked up (``_OnFirstUse``,
the idea of ``importlib.util.LazyLoader``, but with a lock: Python 3.12.1's LazyLoader lets a
second thread see a half-executed module, and the rollout fan-out reaches the adapters from 16
threads). So ``from chalicelib.adapters import tables`` costs nothing and ``tables.FrameRecord``
loads PynamoDB. These modules are always used as modules, never with
``from chalicelib.adapters.tables import Name`` (which looks the attribute up, hence loads the
SDK, at import); PynamoDB's exceptions and transactions come from ``tables`` too. Type-only
imports go under ``TYPE_CHECKING``.

tests/unit/test_lazy_sdk.py imports every function's module and checks that botocore is
absent. SnapStart loads all of it before the snapshot (``snapstart.prime``), so a restored copy
never pays for it; a function without SnapStart pays it on its first call instead.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

LAZY = ("aws", "media_store", "tables")
_lock = threading.RLock()
_executing: set[str] = set()


class _OnFirstUse(types.ModuleType):
    """A module whose code runs at the first lookup of an attribute it does not have yet."""

    def __getattr__(self, name: str) -> Any:
        _run(self)
        return types.ModuleType.__getattribute__(self, name)


def _run(module: types.ModuleType) -> None:
    spec = module.__spec__
    assert spec is not None and spec.loader is not None  # set by _defer
    with _lock:  # other threads wait here until the module has run
        if type(module) is _OnFirstUse and spec.name not in _executing:
            _executing.add(spec.name)  # a lookup while it runs finds what is defined so far
            try:
                spec.loader.exec_module(module)  # raises again at the next lookup if it fails
            finally:
                _executing.discard(spec.name)
            # Loaded: plain lookups from now on (mypy: a module may change its class).
            module.__class__ = types.ModuleType  # type: ignore[assignment]


def load_all() -> None:
    """Run every deferred module now (before a SnapStart snapshot: snapstart.prime)."""
    for name in LAZY:
        _run(sys.modules[f"{__name__}.{name}"])


def loaded(name: str) -> bool:
    """Whether the deferred module ``name`` (of ``LAZY``) has run."""
    return type(sys.modules[f"{__name__}.{name}"]) is not _OnFirstUse


def _defer(name: str) -> None:
    """Make ``<this package>.<name>`` a module that runs at its first attribute lookup."""
    qualified = f"{__name__}.{name}"
    module = sys.modules.get(qualified)
    if module is None:
        spec = importlib.util.find_spec(qualified)
        if spec is None or spec.loader is None:
            raise ImportError(f"no module named {qualified!r}", name=qualified)
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _OnFirstUse
        sys.modules[qualified] = module
    setattr(sys.modules[__name__], name, module)


for _name in LAZY:
    _defer(_name)
