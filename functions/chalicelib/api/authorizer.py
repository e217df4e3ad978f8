"""The built-in Chalice authorizer: a valid access token of an existing account, or 401."""

from __future__ import annotations

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib import bootstrap, snapstart
from chalicelib.domain.errors import Unauthorized
from chalicelib.services import accounts

bootstrap.start()  # the authorizer runs from this module, not from app.py
# Before the snapshot: the SDK, the tables and PyJWT (services/tokens.py); after it: refresh.
snapstart.register(prime_modules=("jwt",))
authorizer_blueprint = Blueprint(__name__)
ANONYMOUS = "anonymous"


@authorizer_blueprint.authorizer(ttl_seconds=60)
def jwt_authorizer(auth_request: AuthRequest) -> AuthResponse:
    """Validate the bearer token; an invalid one passes as ``anonymous``.

    API Gateway can only answer a refused token with a bare 403 without CORS headers, which a
    browser reports as a network error. So the authorizer lets the request through marked
    anonymous and the route wrapper (``Api.route``) answers 401 with CORS and a JSON error the
    web app understands. No handler ever runs for an anonymous caller of a protected route.
    """
    token = auth_request.token or ""
    scheme, _, value = token.partition(" ")
    if scheme.lower() != "bearer" or not value:
        return AuthResponse(routes=["*"], principal_id=ANONYMOUS)
    try:
        user_id = accounts.authenticate(value.strip())
    except Unauthorized:
        return AuthResponse(routes=["*"], principal_id=ANONYMOUS)
    return AuthResponse(routes=["*"], principal_id=user_id)
