"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, bound to the caller's partition."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.domain.errors import ValidationFailed


def encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode(cursor: str | None, *, owner_attribute: str, owner: str) -> dict[str, Any] | None:
    """The key to continue from; refuses a cursor made for someone else's partition."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, dict) or key[owner_attribute]["S"] != owner:
            raise ValueError("cursor of another partition")
        if not all(isinstance(v, dict) and set(v) == {"S"} for v in key.values()):
            raise ValueError("cursor holds something other than string keys")
    except (ValueError, KeyError, TypeError) as err:
        raise ValidationFailed("This cursor is not valid.", field="cursor") from err
    return key
