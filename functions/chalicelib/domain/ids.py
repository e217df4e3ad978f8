"""Identifiers: a type prefix plus 26 Crockford base32 characters that sort by creation time.

Time-ordered ids (ULID layout: 48-bit milliseconds, 80 random bits) let a DynamoDB range key
on the id list newest first without a separate timestamp index.
"""

from __future__ import annotations

import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def new_id(prefix: str, *, now_ms: int | None = None) -> str:
    """``new_id("img")`` -> ``"img_01JD2ZZ1B3D5F7H9K1M3P5R7T9"``."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{prefix}_{_encode(ms, 10)}{_encode(secrets.randbits(80), 16)}"


def is_id(value: object, prefix: str) -> bool:
    if not isinstance(value, str) or not value.startswith(prefix + "_"):
        return False
    body = value[len(prefix) + 1 :]
    return len(body) == 26 and all(c in _CROCKFORD for c in body)
