"""Secrets Manager: the JWT signing key and the device CA never live in code or config files."""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.adapters import aws

_CACHE: dict[str, tuple[float, str]] = {}
_TTL_SECONDS = 300.0


def secret_string(secret_id: str) -> str:
    """The secret's value, cached for five minutes so a rotation is picked up without a deploy."""
    hit = _CACHE.get(secret_id)
    if hit and time.monotonic() - hit[0] < _TTL_SECONDS:
        return hit[1]
    value: str = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    _CACHE[secret_id] = (time.monotonic(), value)
    return value


def secret_json(secret_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(secret_string(secret_id))
    return data


def forget_cached() -> None:
    _CACHE.clear()
