"""Counts the DynamoDB calls PynamoDB makes and the items DynamoDB reads for them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection.base import Connection


@dataclass
class Meter:
    calls: Counter[str] = field(default_factory=Counter)
    # Write requests per table name (PutItem, UpdateItem, DeleteItem, BatchWriteItem entries).
    writes: Counter[str] = field(default_factory=Counter)
    items_read: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


@contextmanager
def metered() -> Iterator[Meter]:
    meter = Meter()
    original = Connection.dispatch

    def dispatch(
        self: Connection, operation_name: str, operation_kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        data: dict[str, Any] = original(self, operation_name, operation_kwargs)
        meter.calls[operation_name] += 1
        if operation_name in ("PutItem", "UpdateItem", "DeleteItem"):
            meter.writes[str(operation_kwargs.get("TableName"))] += 1
        elif operation_name == "BatchWriteItem":
            for table, entries in operation_kwargs.get("RequestItems", {}).items():
                meter.writes[table] += len(entries)
        if operation_name in ("Query", "Scan"):
            meter.items_read += int(data.get("ScannedCount", data.get("Count", 0)))
        elif operation_name == "GetItem":
            meter.items_read += 1 if data.get("Item") else 0
        elif operation_name == "BatchGetItem":
            meter.items_read += sum(len(v) for v in data.get("Responses", {}).values())
        return data

    Connection.dispatch = dispatch  # type: ignore[method-assign]
    try:
        yield meter
    finally:
        Connection.dispatch = original  # type: ignore[method-assign]
