"""The one way routes are declared: decode, call a service, shape the response.

``Api(blueprint, tag).route(...)`` declares a route once: its path and method, who may call it,
and the models (``chalicelib.api.models``) of its JSON body, its query and its answer. The
wrapper decodes the body and the query into those models before the handler runs, so a handler
receives ``body``/``query`` already typed and validated, with a small ``Call`` (the caller's
user id, source address, user agent), and may raise domain errors. A decode failure or a domain
error becomes ``{"error": {"code", "message", "field"}}`` with the right status. The same
declarations (``OPERATIONS``) are what ``chalicelib.api.openapi_gen`` writes the OpenAPI document
from, so the document cannot describe a body the route does not validate.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import msgspec
from chalice.app import Blueprint, CORSConfig, Request, Response

from chalicelib.api.authorizer import jwt_authorizer
from chalicelib.api.models.common import Model
from chalicelib.domain.errors import DomainError, RateLimited, Unauthorized, ValidationFailed

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
SESSION_ENDED = Unauthorized("Your session has ended. Please log in again.")

# Browsers call the API from the web app's origin only; tokens travel in a header, never cookies.
CORS = CORSConfig(
    allow_origin=os.environ.get("SHAREFRAME_WEB_URL", "http://localhost:5173").rstrip("/"),
    allow_headers=["Authorization", "Content-Type"],
    max_age=600,
)


@dataclass(frozen=True)
class Operation:
    """One route as the OpenAPI document describes it (``chalicelib.api.openapi_gen``)."""

    path: str
    method: str
    operation_id: str
    summary: str
    tag: str
    public: bool
    status: int
    body: type[Model] | None
    body_required: bool
    query: type[Model] | None
    response: type[Model] | type[dict[str, Any]] | None
    description: str | None
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> description


# Every route of every blueprint, in registration order: the route table the document is built from.
OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class Call:
    request: Request
    user_id: str

    @property
    def source(self) -> str:
        identity = (self.request.context or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")

    @property
    def user_agent(self) -> str | None:
        value = self.request.headers.get("user-agent")
        return value[:200] if value else None


def parse_body(request: Request) -> dict[str, Any]:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed("The request body is too large.")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadJson("The request body is not valid JSON.") from err
    if not isinstance(body, dict):
        raise BadJson("The request body must be a JSON object.")
    return body


class BadJson(DomainError):
    status = 400
    code = "bad_json"


def decode_body[M: Model](request: Request, model: type[M]) -> M:
    """The JSON body as ``model``; an empty body is ``{}`` (so required fields are reported)."""
    try:
        return msgspec.convert(parse_body(request), model)
    except msgspec.ValidationError as err:
        raise invalid(err) from err


def decode_query[M: Model](request: Request, model: type[M]) -> M:
    """The query string as ``model``: strings are converted (``limit=30`` is an int)."""
    params = {k: v for k, v in (request.query_params or {}).items() if isinstance(v, str)}
    try:
        return msgspec.convert(params, model, strict=False)
    except msgspec.ValidationError as err:
        raise invalid(err) from err


_AT = re.compile(r" - at `\$([^`]*)`$")
_FIELD_NAMED = re.compile(r"^Object (missing required|contains unknown) field `([^`]+)`")


def invalid(err: msgspec.ValidationError) -> ValidationFailed:
    """msgspec's message (``Expected `int`, got `str` - at `$.limit```) as today's error shape:
    ``field`` is the top-level field at fault, as the web app highlights it."""
    text, path = str(err), ""
    if found := _AT.search(text):
        text, path = text[: found.start()], found.group(1)
    named = _FIELD_NAMED.match(text)
    segments = re.findall(r"\.([^.\[]+)", path)
    if named and not segments:
        name = named.group(2)
        if named.group(1) == "missing required":
            return ValidationFailed(f"{name} is required.", field=name)
        return ValidationFailed(f"{name} is not a field this request takes.", field=name)
    name = segments[0] if segments else None
    where = f"{path.lstrip('.')}: " if path else ""
    return ValidationFailed(f"{where}{text}.", field=name)


def error_response(err: DomainError) -> Response:
    error: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.field:
        error["field"] = err.field
    headers: dict[str, str | list[str]] = {}
    if isinstance(err, RateLimited):
        headers["Retry-After"] = str(max(1, err.retry_after))
    return Response(body={"error": error}, status_code=err.status, headers=headers)


class Api:
    """Route registration for one blueprint; ``tag`` groups its routes in the document."""

    def __init__(self, blueprint: Blueprint, tag: str) -> None:
        self.blueprint = blueprint
        self.tag = tag

    def route(
        self,
        path: str,
        method: str,
        *,
        operation_id: str,
        summary: str,
        body: type[Model] | None = None,
        body_required: bool = True,
        query: type[Model] | None = None,
        response: type[Model] | type[dict[str, Any]] | None = None,
        public: bool = False,
        status: int = 200,
        tag: str | None = None,
        params: dict[str, str] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``body``/``query``: decoded and passed to the handler as ``body=``/``query=``;
        ``response``: the model of the answer (None: 204, no body)."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            OPERATIONS.append(
                Operation(
                    path=path,
                    method=method,
                    operation_id=operation_id,
                    summary=summary,
                    tag=tag or self.tag,
                    public=public,
                    status=status if response is not None else 204,
                    body=body,
                    body_required=body_required,
                    query=query,
                    response=response,
                    description=handler.__doc__,
                    params=params or {},
                )
            )

            @wraps(handler)
            def view(**path_values: Any) -> Response:
                request = self.blueprint.current_request
                user_id = ""
                if not public:
                    auth = (request.context or {}).get("authorizer") or {}
                    user_id = str(auth.get("principalId") or "")
                    if not user_id.startswith("usr_"):
                        return error_response(SESSION_ENDED)
                try:
                    if body is not None:
                        path_values["body"] = decode_body(request, body)
                    if query is not None:
                        path_values["query"] = decode_query(request, query)
                    result = handler(Call(request, user_id), **path_values)
                except DomainError as err:
                    return error_response(err)
                if isinstance(result, Response):
                    return result
                if result is None:
                    return Response(body="", status_code=204 if status == 200 else status)
                if isinstance(result, Model):
                    result = msgspec.to_builtins(result)
                return Response(body=result, status_code=status)

            options: dict[str, Any] = {"methods": [method], "cors": CORS}
            if not public:
                options["authorizer"] = jwt_authorizer
            self.blueprint.route(path, **options)(view)
            return handler

        return register


def sent_fields(model: Model) -> dict[str, Any]:
    """A PATCH body as ``{camelCaseName: value}`` of the fields the client sent (UNSET ones are
    left out), for the services that still apply a partial update from a mapping."""
    sent: dict[str, Any] = msgspec.to_builtins(model)
    return sent
