"""Bearer tokens presented to the auth server itself (RFC 6750 §2.1): the initial and
registration access tokens (RFC 7591 §3, RFC 7592 §2) and access tokens at UserInfo, read
by the shared parser and refused with the issuer as realm."""

from __future__ import annotations

from aiohttp import web

from shared.bearer import access_token, bearer_token
from shared.errors import BearerError, InvalidToken

# The resource server's cap (RFC 6750 does not bound a token; we do, before any work).
MAX_TOKEN_CHARS = 8 * 1024


def presented_token(request: web.Request, realm: str) -> str:
    """The request's one Bearer token; a refusal carries our realm."""
    try:
        return bearer_token(request, max_chars=MAX_TOKEN_CHARS)
    except BearerError as exc:
        raise exc.with_challenge(realm=realm) from None


def presented_access_token(request: web.Request, realm: str) -> tuple[str, str]:
    """The request's one access token and its scheme, `bearer` or `dpop` (RFC 9449 §7.1)."""
    try:
        return access_token(request, max_chars=MAX_TOKEN_CHARS, schemes=("bearer", "dpop"))
    except BearerError as exc:
        raise exc.with_challenge(realm=realm) from None


def invalid_token(realm: str) -> BearerError:
    """RFC 6750 §3.1: 401 with `error="invalid_token"`; never says which part was wrong."""
    return InvalidToken("the access token is invalid").with_challenge(realm=realm)
