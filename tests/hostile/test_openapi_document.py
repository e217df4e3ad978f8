"""The published OpenAPI document and the app's routes are the same set, both ways."""

from __future__ import annotations

import json
import re

from chalice.test import Client

from tests.integration.conftest import call

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _documented(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def _routed() -> set[tuple[str, str]]:
    from app import app

    return {
        (path, method.upper())
        for path, entries in app.routes.items()
        for method in entries
        if method.upper() != "OPTIONS"  # CORS preflight, answered by the gateway
    }


def test_every_route_is_documented_and_every_documented_operation_is_routed(client: Client):
    response = call(client, "GET", "/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.body)
    assert document["openapi"].startswith("3.0")
    routed, documented = _routed(), _documented(document)
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations the app does not serve"


def test_the_document_declares_security_and_errors_the_way_the_routes_do(client: Client):
    from app import app

    document = json.loads(call(client, "GET", "/openapi.json").body)
    for path, entries in app.routes.items():
        for method, entry in entries.items():
            if method == "OPTIONS":
                continue
            operation = document["paths"][path][method.lower()]
            public = entry.authorizer is None
            assert (operation["security"] == []) is public, (method, path)
            assert "4XX" in operation["responses"], (method, path)
            names = re.findall(r"{(\w+)}", path)
            declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            assert sorted(names) == sorted(declared), (method, path)
            if method in ("POST", "PATCH", "PUT"):
                body_free = {"/me/export", "/frames/{frame_id}/firmware/update"} | {
                    p for p in app.routes if p.startswith("/friends/requests/{")
                }
                assert path in body_free or "requestBody" in operation, (method, path)


def test_the_document_is_valid_openapi():
    from pathlib import Path

    import schemathesis

    path = Path(__file__).parents[2] / "functions/chalicelib/data/openapi.json"
    schema = schemathesis.openapi.from_path(str(path))
    schema.validate()  # against the OpenAPI 3.0 meta-schema; raises on a broken document
    operations = list(schema.get_all_operations())
    assert all(o.ok() for o in operations) and len(operations) == len(_routed())


def test_the_document_is_strict_enough_to_catch_a_broken_answer():
    """The fuzzing checks bite: a profile without its fields, or a 500, fails validation."""
    import traceback
    from pathlib import Path

    import requests
    import schemathesis
    from schemathesis.specs.openapi.checks import response_schema_conformance

    path = Path(__file__).parents[2] / "functions/chalicelib/data/openapi.json"
    schema = schemathesis.openapi.from_path(str(path))
    operation = schema["/me"]["GET"]
    case = operation.Case()

    def answer(status: int, body: bytes) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = body
        response.headers["Content-Type"] = "application/json"
        response.url = "http://127.0.0.1/me"
        response.request = requests.Request("GET", "http://127.0.0.1/me").prepare()
        return response

    def failures_of(response: requests.Response, **options: object) -> str:
        try:
            case.validate_response(response, **options)
        except BaseException as found:  # schemathesis raises a group of failures
            return "".join(traceback.format_exception(found))
        return ""

    assert "violates schema" in failures_of(
        answer(200, b'{"userId": 1}'), checks=[response_schema_conformance]
    )
    assert "Server error" in failures_of(answer(500, b'{"message": "boom"}'))


def test_the_committed_document_is_the_one_the_code_generates():
    """openapi.json is generated from the models and the route declarations (``make
    contract``): a model or a route changed without regenerating the file fails here."""
    from chalicelib.api import openapi_gen

    committed = openapi_gen.DOCUMENT.read_text(encoding="utf-8")
    assert openapi_gen.render() == committed, "openapi.json is stale: run `make contract`"


def test_the_document_names_exactly_the_error_codes_the_api_answers_with():
    from chalicelib.api import openapi_gen
    from chalicelib.api.http import BadJson
    from chalicelib.domain.errors import RateLimited

    document = json.loads(openapi_gen.DOCUMENT.read_text(encoding="utf-8"))
    codes = document["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]
    assert {BadJson.code, RateLimited.code, "validation_failed", "not_found"} <= set(codes)
    assert not {"gone", "payload_too_large"} & set(codes)


def test_the_models_name_exactly_the_panels_the_renderer_knows():
    from typing import get_args

    from chalicelib import rendering
    from chalicelib.api.models.common import Panel

    assert sorted(get_args(Panel)) == sorted(rendering.PANELS)
