"""AWS calls per API request and per handler invocation, counted in the local cloud only.

The load test (``make load``, tests/load) reports how many DynamoDB (and other AWS) calls each
operation costs: the figure the capacity model in docs/scale.md multiplies by the request
rates. It is measured where the calls are made, without touching the backend's code: every
botocore client (boto3's and PynamoDB's alike) goes through ``BaseClient._make_api_call``, which
this module wraps to add one to the tally of the request or invocation running in that thread.

Switched on by ``SHAREFRAME_CALL_TALLY=1`` in the local cloud's environment (the load test sets
it; ``make run`` and the other tests never do). Then:

* ``chalice local`` answers every request with an ``X-Local-Aws-Calls`` header
  (``dynamodb.GetItem=2,dynamodb.Query=1``) so a client can charge the calls to its own
  operation, and
* each process writes its totals per request route / handler to
  ``<state_dir>/aws-calls-<process>.json`` every few seconds.

Nothing of this exists in AWS, where CloudWatch and X-Ray give the same figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.localcloud import atomic

ENABLED_VARIABLE = "SHAREFRAME_CALL_TALLY"
HEADER = "X-Local-Aws-Calls"
WRITE_INTERVAL_SECONDS = 2.0

_current = threading.local()
_lock = threading.Lock()
# What -> [invocations, Counter of "service.Operation" -> calls]
_totals: dict[str, tuple[list[int], Counter[str]]] = {}
_installed = False


def enabled() -> bool:
    return os.environ.get(ENABLED_VARIABLE) == "1"


def _count(service: str, operation: str) -> None:
    tally: Counter[str] | None = getattr(_current, "tally", None)
    if tally is not None:
        tally[f"{service}.{operation}"] += 1


def install() -> None:
    """Wrap botocore's one call path (idempotent)."""
    global _installed
    if _installed:
        return
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        _count(self.meta.service_model.service_name, operation_name)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counted
    _installed = True


@contextlib.contextmanager
def tallying(what: str) -> Iterator[Counter[str]]:
    """Count this thread's AWS calls while the block runs, and add them to ``what``'s totals
    (or to the name :func:`name_current` gave it meanwhile)."""
    previous = getattr(_current, "tally", None), getattr(_current, "what", None)
    tally: Counter[str] = Counter()
    _current.tally, _current.what = tally, what
    try:
        yield tally
    finally:
        what = _current.what
        _current.tally, _current.what = previous
        with _lock:
            invocations, calls = _totals.setdefault(what, ([0], Counter()))
            invocations[0] += 1
            calls.update(tally)


def name_current(what: str) -> None:
    """Name the running tally once it is known (a request's route, after routing)."""
    if getattr(_current, "tally", None) is not None:
        _current.what = what


def current() -> Counter[str] | None:
    """The tally of the request or invocation running in this thread, if any."""
    tally: Counter[str] | None = getattr(_current, "tally", None)
    return tally


def header_value(tally: Counter[str]) -> str:
    """``Counter({"dynamodb.GetItem": 2})`` -> ``"dynamodb.GetItem=2"`` (sorted, commas)."""
    return ",".join(f"{name}={count}" for name, count in sorted(tally.items()))


def parse_header(value: str | None) -> dict[str, int]:
    """The inverse of :func:`header_value` (an empty or missing header is no calls)."""
    calls: dict[str, int] = {}
    for part in (value or "").split(","):
        name, _, count = part.partition("=")
        if name and count.isdigit():
            calls[name] = calls.get(name, 0) + int(count)
    return calls


def snapshot() -> dict[str, Any]:
    with _lock:
        return {
            what: {"invocations": invocations[0], "calls": dict(sorted(calls.items()))}
            for what, (invocations, calls) in sorted(_totals.items())
        }


def start_writer(path: Path) -> None:
    """Write :func:`snapshot` to ``path`` every few seconds (atomically), in a daemon thread."""

    def write() -> None:
        while True:
            time.sleep(WRITE_INTERVAL_SECONDS)
            atomic.write_text(path, json.dumps({"at": time.time(), "totals": snapshot()}))

    threading.Thread(target=write, name="call-tally-writer", daemon=True).start()


def tally_file(state_dir: Path, process: str) -> Path:
    return state_dir / f"aws-calls-{process}.json"
