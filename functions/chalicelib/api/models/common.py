"""Shapes every route shares: the base model, panels and orientations, the error answer.

The error codes are not listed here: ``chalicelib.api.openapi_gen`` reads them from the
``DomainError`` classes, so the document names exactly the codes the code can answer with.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

# The panels the renderer knows (chalicelib.rendering.PANELS; a test keeps the two equal).
Panel = Literal["acep_7in3", "grey4_7in5", "spectra6_13in3", "spectra6_7in3", "waveshare_7in5_v2"]
Orientation = Literal["landscape", "portrait"]


class Model(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The base of every model: immutable, keyword-built, snake_case in Python, camelCase on
    the wire. Unknown fields are ignored unless a model says ``forbid_unknown_fields=True``
    (the PATCH bodies, where a misspelt setting must not be silently dropped). Subclasses
    restate ``frozen=True, kw_only=True``: msgspec inherits them, mypy does not."""


class ErrorBody(Model, frozen=True, kw_only=True):
    code: str
    message: str
    field: str | UnsetType = UNSET


class Error(Model, frozen=True, kw_only=True):
    """Every answer the API itself refuses with: ``{"error": {"code", "message", "field"}}``."""

    error: ErrorBody


class GatewayError(Model, frozen=True, kw_only=True):
    """API Gateway's answer when the authorizer refuses (no or bad token)."""

    message: str | UnsetType = UNSET
    message_title_case: str | UnsetType = msgspec.field(default=UNSET, name="Message")
