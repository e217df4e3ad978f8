"""Every process of the local cloud logs one JSON object per line on stdout.

    {"kind": "schedule", "name": "expire_shares", "ok": true, ..., "level": "INFO",
     "logger": "infra.localcloud.event_runtime", "message": "schedule expire_shares", "at": "..."}

A process's threads (schedules, queue pollers, rule workers) log at the same moment. Each line
goes through the one root handler, under its lock, as a single write of text and newline;
``print()`` writes the two separately, and another thread's line can land in between: that is
how two records once shared a line. Tracebacks stay inside their record (``exception``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
FIELDS = "fields"  # extra={"fields": {...}}: keys that would clash with LogRecord's (e.g. name)


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = dict(getattr(record, FIELDS, None) or {})
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k != FIELDS})
        entry.update(
            {
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
                "at": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"
                ),
            }
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is now (a test may have replaced it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure(level: int = logging.INFO) -> None:
    """Make the root logger the process's only writer of log lines, as JSON on stdout."""
    handler = _StdoutHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "urllib3", "boto3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
