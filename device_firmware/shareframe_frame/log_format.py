"""Logs as one JSON object per line, each carrying the frame id, so a share can be followed
from the API through the broker to the frame.

    {"at": "...", "level": "INFO", "logger": "shareframe_frame.reconcile",
     "message": "file downloaded", "frameId": "frm_...", "shareId": "shr_..."}
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class LogContext:
    frame_id: str | None = None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "frameId": getattr(record, "frameId", LogContext.frame_id),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str, *extra_handlers: logging.Handler) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler, *extra_handlers]
    root.setLevel(level)
