"""Structured logs: one JSON object per line, with correlation ids passed as ``extra``."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, TextIO

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(stream: TextIO | None = None) -> None:
    """Route the ``chalicelib`` loggers to ``stream`` as JSON: stdout by default (Lambda sends
    it to CloudWatch); a command whose stdout is its answer passes stderr."""
    root = logging.getLogger("chalicelib")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get("SHAREFRAME_LOG_LEVEL", "INFO"))
    root.propagate = False
