"""The API's own description: the OpenAPI 3.0 document, generated, committed, served as is.

``chalicelib/data/openapi.json`` is written by ``chalicelib.api.openapi_gen`` from the route
declarations and the models (tests fail when it is stale), so serving it costs one file read
per container and no schema generation at cold start.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chalice.app import Blueprint

from chalicelib.api.http import Api, Call

DOCUMENT = Path(__file__).resolve().parent.parent / "data" / "openapi.json"

blueprint = Blueprint(__name__)
api = Api(blueprint, "meta")


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


@api.route(
    "/openapi.json",
    "GET",
    operation_id="getOpenApi",
    summary="This document.",
    response=dict,
    public=True,
)
def openapi(call: Call) -> dict[str, Any]:
    return document()
