"""The built-in Chalice authorizer: a valid access token of an existing account, or 401."""

from __future__ import annotations

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib.domain.errors import Unauthorized
from chalicelib.services import accounts

authorizer_blueprint = Blueprint(__name__)


@authorizer_blueprint.authorizer(ttl_seconds=60)
def jwt_authorizer(auth_request: AuthRequest) -> AuthResponse:
    token = auth_request.token or ""
    scheme, _, value = token.partition(" ")
    if scheme.lower() != "bearer" or not value:
        return AuthResponse(routes=[], principal_id="anonymous")
    try:
        user_id = accounts.authenticate(value.strip())
    except Unauthorized:
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=user_id)
