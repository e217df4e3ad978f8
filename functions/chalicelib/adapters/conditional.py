"""Conditional writes: the one place that turns DynamoDB's "condition failed" into a False.

A conditional update is how this backend keeps counters, single-use claims and state machines
right under concurrency (``attempts < limit``, ``state == "pending"``, ``active_items > 0``).
A failed condition is an expected answer, not an error; every other failure still raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.adapters import tables

if TYPE_CHECKING:
    from pynamodb.models import Model


CONDITION_FAILED = "ConditionalCheckFailedException"


def update_if(record: Model, actions: Sequence[Action], condition: Condition | None) -> bool:
    """Apply ``actions`` to ``record`` when ``condition`` holds; False when it did not.

    On success the record holds the item as written (PynamoDB reads back ALL_NEW).
    """
    try:
        record.update(actions=list(actions), condition=condition)
    except tables.UpdateError as err:
        if err.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True


def save_if(record: Model, condition: Condition | None) -> bool:
    """Put ``record`` when ``condition`` holds (e.g. ``Model.key.does_not_exist()``)."""
    try:
        record.save(condition=condition)
    except tables.PutError as err:
        if err.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True


def delete_if(record: Model, condition: Condition | None) -> bool:
    """Delete ``record`` when ``condition`` holds; False when it did not."""
    try:
        record.delete(condition=condition)
    except tables.DeleteError as err:
        if err.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True
