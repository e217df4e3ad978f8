"""Signed tokens: short-lived access JWTs and single-purpose e-mail link tokens.

The HMAC key comes from Secrets Manager. Access tokens carry only what the authorizer needs
(user id, issue time, expiry); link tokens carry their purpose so one can never stand in for
another.

PyJWT is imported on first use, like argon2 in passwords.py: its import loads ``urllib.request``,
``http.client`` and ``ssl`` for its key-set client (~35 ms), and where cryptography is installed
(the API's layers) cryptography's X.509 modules too (~100 ms more), which every cold import of
the API and the authorizer paid before any token was read. SnapStart imports it before the
snapshot (``snapstart.register`` in app.py and api/authorizer.py).
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.adapters.secrets import secret_string
from chalicelib.config import settings
from chalicelib.domain.errors import Unauthorized, ValidationFailed

_ALGORITHM = "HS256"
_ISSUER = "shareframe"


def _key() -> str:
    return secret_string(settings().jwt_secret_id)


def sign(claims: dict[str, Any], *, ttl_seconds: int) -> str:
    now = int(time.time())
    payload = {**claims, "iss": _ISSUER, "iat": now, "exp": now + ttl_seconds}
    import jwt

    return jwt.encode(payload, _key(), algorithm=_ALGORITHM)


def access_token(user_id: str, session_id: str) -> str:
    """``sid`` names the login session: ending it (logout) ends the access token too."""
    return sign(
        {"sub": user_id, "typ": "access", "sid": session_id},
        ttl_seconds=settings().access_token_seconds,
    )


def read_access_token(token: str) -> dict[str, Any]:
    return _decode(token, "access", Unauthorized("Your session has expired. Please log in again."))


def read_link_token(token: object, purpose: str) -> dict[str, Any]:
    if not isinstance(token, str) or not 10 < len(token) < 4096:
        raise ValidationFailed("This link is not valid.", field="token")
    return _decode(
        token, purpose, ValidationFailed("This link is not valid or has expired.", field="token")
    )


def link_purpose(token: object) -> str | None:
    """The purpose a link token claims (unverified: the caller then checks it properly)."""
    if not isinstance(token, str) or len(token) > 4096:
        return None
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    purpose = claims.get("typ")
    return purpose if isinstance(purpose, str) else None


def _decode(token: str, purpose: str, error: Exception) -> dict[str, Any]:
    import jwt

    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _key(),
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["exp", "iat", "sub", "typ"]},
        )
    except jwt.PyJWTError as err:
        raise error from err
    if claims.get("typ") != purpose:
        raise error
    return claims
