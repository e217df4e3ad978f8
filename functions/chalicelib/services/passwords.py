"""Password hashing (argon2id) and the rules a new password must meet.

argon2 is imported on first use: the authorizer imports this module (through accounts) and has
no argon2 in its package (docs/deploy.md, "Lambda layers").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
_DECORATION = re.compile(r"^[\d\W_]+|[\d\W_]+$")
MAX_LENGTH = 128


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@cache
def _dummy_hash() -> str:
    """Verified when the e-mail is unknown, so a login takes as long either way (made on first
    use, not at import: it costs 0.2-0.3 s of every cold start otherwise)."""
    return _hasher().hash("not-a-real-password-0")


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).parent.parent / "data" / "common-passwords.txt"
    return frozenset(
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def _core(password: str) -> str:
    """The word inside decorations: ``"2024Sunshine!!"`` -> ``"sunshine"``."""
    return _DECORATION.sub("", password.lower())


def check_strength(password: object, *, field: str = "password") -> str:
    if not isinstance(password, str):
        raise ValidationFailed("A password is required.", field=field)
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"A password needs at least {MIN_LENGTH} characters.", field=field)
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"A password can have at most {MAX_LENGTH} characters.", field=field)
    common = _common_passwords()
    if password.lower() in common or _core(password) in common or len(set(password)) < 4:
        raise ValidationFailed(
            "This password is too common and easy to guess. Please choose another.", field=field
        )
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return (
            _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
