"""Write the OpenAPI 3.0 document from the route declarations and the models.

Run from ``functions/`` (``make contract`` does)::

    python -m chalicelib.api.openapi_gen --write   # rewrite chalicelib/data/openapi.json
    python -m chalicelib.api.openapi_gen --check   # exit 1 when the committed file is stale

Every route the app registers went through ``Api.route`` (``chalicelib.api.http``), which
recorded an ``Operation``: path, method, operation id, summary, who may call it, and the models
of its body, query and answer. The schemas come from ``msgspec.json.schema_components``
(JSON Schema 2020-12), rewritten into the OpenAPI 3.0 dialect the web's type generator and
schemathesis read (``nullable`` instead of a ``null`` type). The error codes come from the
``DomainError`` classes, so the document lists the codes the code can answer with, no more.

This module runs at build time only: the API serves the committed file and never imports it.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

import msgspec

from chalicelib.api.http import OPERATIONS, Operation
from chalicelib.api.models.common import Error, GatewayError
from chalicelib.domain.errors import DomainError

DOCUMENT = Path(__file__).resolve().parent.parent / "data" / "openapi.json"
REF = "#/components/schemas/{name}"
TAGS = ("auth", "me", "images", "pairing", "frames", "shares", "friends", "dashboard", "releases")
INFO = {
    "title": "Shareframe API",
    "version": "1.0.0",
    "description": (
        "Send photos to e-paper frames. Generated from the code (chalicelib/api/models and the "
        'route declarations); docs/api.md is the guide. Errors are {"error": {"code", '
        '"message", "field"}}; 401/403 without a valid token come from the gateway\'s '
        "authorizer."
    ),
}
ID_PARAM = {"type": "string", "maxLength": 64}
# Path parameters, by name: what they are (a route may say more in ``params``).
PATH_PARAMS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "frame_id": ("A frame id (frm_...).", ID_PARAM),
    "image_id": ("An image id (img_...).", ID_PARAM),
    "share_id": ("A share id (shr_...).", ID_PARAM),
    "user_id": ("The other user's id (usr_...).", ID_PARAM),
    "code": ("A pairing code.", ID_PARAM),
    "panel": ("A panel model.", {"$panel": True}),
}
CLIENT_ERROR = {
    "description": "A client error: bad input, no access, nothing there, conflict, rate limit.",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": REF.format(name="Error")},
                    {"$ref": REF.format(name="GatewayError")},
                ]
            }
        }
    },
}


def error_codes() -> list[str]:
    """Every ``code`` a ``DomainError`` subclass answers with (the app's modules imported)."""
    found, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    return sorted(found)


def openapi30(schema: Any) -> Any:
    """msgspec's JSON Schema 2020-12 -> OpenAPI 3.0: ``nullable``, typed enums, no titles."""
    if isinstance(schema, list):
        return [openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: {name: openapi30(s) for name, s in v.items()} if k == "properties" else openapi30(v)
        for k, v in schema.items()
        if k != "title"  # msgspec's titles, not a property named "title"
    }
    if out.get("required") == []:  # 3.0 wants at least one name, or no list
        del out["required"]
    options = out.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        if len(rest) == 1 and "$ref" not in rest[0]:
            out = {**rest[0], **out}
        elif len(rest) == 1:
            out["allOf"] = rest
        else:
            out["anyOf"] = rest
        out["nullable"] = True
    if "$ref" in out and len(out) > 1:  # 3.0 ignores a $ref's siblings: wrap it
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    if "enum" in out and "type" not in out:
        kinds = {type(v) for v in out["enum"]}
        if kinds == {str}:
            out["type"] = "string"
        elif kinds == {bool}:
            out["type"] = "boolean"
    return out


def _query_parameters(model: type[msgspec.Struct]) -> list[dict[str, Any]]:
    (_,), components = msgspec.json.schema_components([model], ref_template=REF)
    schema = openapi30(components[model.__name__])
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        prop.pop("nullable", None)  # a query string is absent, never null
        if prop.get("default", 0) is None:
            del prop["default"]
        description = prop.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _path_parameters(op: Operation, panel: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = []
    for name in re.findall(r"{(\w+)}", op.path):
        description, schema = PATH_PARAMS[name]
        parameter: dict[str, Any] = {
            "name": name,
            "in": "path",
            "required": True,
            "schema": panel if "$panel" in schema else schema,
        }
        if description := op.params.get(name, description):
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation, panel: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        document["description"] = inspect.cleandoc(op.description)
    if op.response is None:
        answer: dict[str, Any] = {"description": "Done; no body."}
    elif op.response is dict:
        answer = {"description": "OK", "content": _json({"type": "object"})}
    else:
        answer = {
            "description": "OK",
            "content": _json({"$ref": REF.format(name=op.response.__name__)}),
        }
    document["responses"] = {str(op.status): answer, "4XX": CLIENT_ERROR}
    if op.body is not None:
        document["requestBody"] = {
            "required": op.body_required,
            "content": _json({"$ref": REF.format(name=op.body.__name__)}),
        }
    parameters = _path_parameters(op, panel) + (_query_parameters(op.query) if op.query else [])
    if parameters:
        document["parameters"] = parameters
    document["security"] = [] if op.public else [{"bearer": []}]
    return document


def build() -> dict[str, Any]:
    """The document of every operation registered so far (import ``app`` first)."""
    from chalicelib.api.models.frames import Frame

    models: list[type[msgspec.Struct]] = [Error, GatewayError]
    for op in OPERATIONS:
        for model in (op.body, op.response):
            if (
                isinstance(model, type)
                and issubclass(model, msgspec.Struct)
                and model not in models
            ):
                models.append(model)
    _, components = msgspec.json.schema_components(models, ref_template=REF)
    schemas = {name: openapi30(schema) for name, schema in sorted(components.items())}
    schemas["ErrorBody"]["properties"]["code"]["enum"] = error_codes()
    panel = openapi30(msgspec.json.schema_components([Frame], ref_template=REF)[1]["Frame"])[
        "properties"
    ]["panel"]
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, panel)
    return {
        "openapi": "3.0.3",
        "info": INFO,
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in (*TAGS, "meta")],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{"bearer": []}],
    }


def render() -> str:
    import app  # noqa: F401 - registers every blueprint's routes, as the deployed API does

    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"rewrite {DOCUMENT.name}")
    action.add_argument("--check", action="store_true", help="exit 1 when it is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT}")
        return 0
    if DOCUMENT.read_text(encoding="utf-8") != text:
        print(f"{DOCUMENT} is stale: run `make contract`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
