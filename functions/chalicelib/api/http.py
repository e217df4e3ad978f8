"""The one way routes are declared: parse, call a service, shape the response.

``Api(blueprint).route(...)`` wraps a handler so that it receives a small ``Call`` (the parsed
JSON body, query parameters, the caller's user id) and may raise domain errors, which become
``{"error": {"code", "message", "field"}}`` responses with the right status. Nothing else in a
handler deals with HTTP details.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from chalice.app import Blueprint, CORSConfig, Request, Response

from chalicelib.api.authorizer import jwt_authorizer
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
class Call:
    request: Request
    user_id: str

    @property
    def body(self) -> dict[str, Any]:
        return parse_body(self.request)

    def query(self, name: str) -> str | None:
        params = self.request.query_params
        value = params.get(name) if params else None
        return value if isinstance(value, str) else None

    def limit(self, default: int = 30, maximum: int = 100) -> int:
        raw = self.query("limit")
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise ValidationFailed(f"limit must be between 1 and {maximum}.", field="limit")
        return int(raw)

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


def error_response(err: DomainError) -> Response:
    error: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.field:
        error["field"] = err.field
    headers: dict[str, str | list[str]] = {}
    if isinstance(err, RateLimited):
        headers["Retry-After"] = str(max(1, err.retry_after))
    return Response(body={"error": error}, status_code=err.status, headers=headers)


class Api:
    """Route registration for one blueprint."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint

    def route(
        self, path: str, methods: list[str], *, public: bool = False, status: int = 200
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(handler)
            def view(**params: str) -> Response:
                request = self.blueprint.current_request
                user_id = ""
                if not public:
                    auth = (request.context or {}).get("authorizer") or {}
                    user_id = str(auth.get("principalId") or "")
                    if not user_id.startswith("usr_"):
                        return error_response(SESSION_ENDED)
                try:
                    result = handler(Call(request, user_id), **params)
                except DomainError as err:
                    return error_response(err)
                if isinstance(result, Response):
                    return result
                if result is None:
                    return Response(body="", status_code=204 if status == 200 else status)
                return Response(body=result, status_code=status)

            options: dict[str, Any] = {"methods": methods, "cors": CORS}
            if not public:
                options["authorizer"] = jwt_authorizer
            self.blueprint.route(path, **options)(view)
            return handler

        return register
