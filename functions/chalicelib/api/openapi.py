"""The API's own description: an OpenAPI 3.0 document, written by hand, served as is.

``chalicelib/data/openapi.json`` lists every route of the app (tests/hostile checks both ways)
with its request body, parameters, security and answers. It is read once per container.
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
api = Api(blueprint)


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


@api.route("/openapi.json", ["GET"], public=True)
def openapi(call: Call) -> dict[str, Any]:
    return document()
