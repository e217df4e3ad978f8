"""Errors the product can explain to a user.

Each carries a stable machine-readable ``code``, the HTTP status the API answers with, and a
message a person can read. Entrypoints turn them into responses; nothing below the API layer
knows about HTTP beyond the number.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status = 400
    code = "validation_failed"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class EmailNotVerified(Forbidden):
    code = "email_not_verified"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class QuotaExceeded(DomainError):
    status = 409
    code = "quota_exceeded"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
