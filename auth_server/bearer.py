"""Bearer credentials (RFC 6750 §2.1) at the registration endpoints: the initial access token
(RFC 7591 §3) and a client's registration access token (RFC 7592 §2)."""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from shared.errors import BearerError, BearerInvalidRequest, InvalidToken, MissingToken

MAX_TOKEN_LENGTH = 4096


def bearer_token(request: web.Request, realm: str) -> str:
    """The one Bearer token of the request's Authorization header."""
    values = request.headers.getall("Authorization", [])
    if not values:
        raise MissingToken("a Bearer token is required").with_challenge(realm=realm)
    scheme, _, token = values[0].strip().partition(" ")
    token = token.strip()
    if len(values) > 1 or scheme.lower() != "bearer" or not token or " " in token:
        # RFC 6750 §3.1: two credentials, another scheme or an empty token is malformed.
        raise BearerInvalidRequest("send exactly one Bearer token").with_challenge(realm=realm)
    if len(token) > MAX_TOKEN_LENGTH:
        raise invalid_token(realm)
    return token


def invalid_token(realm: str) -> BearerError:
    """RFC 6750 §3.1: 401 with `error="invalid_token"`; never says which part was wrong."""
    return InvalidToken("the access token is invalid").with_challenge(realm=realm)


def same_token(presented: str, expected: str) -> bool:
    """Constant-time equality that does not reveal the expected token's length either."""
    return hmac.compare_digest(
        hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest(),
        hashlib.sha256(expected.encode()).digest(),
    )
