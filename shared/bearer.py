"""Bearer credentials (RFC 6750 §2.1): the one token of a request's Authorization header,
read by the same rules wherever a token is presented (the resource server's protected
routes, the auth server's registration endpoints)."""

from __future__ import annotations

import hashlib
import hmac
import re

from aiohttp import hdrs, web

from shared.errors import BearerInvalidRequest, InvalidToken, MissingToken

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def bearer_token(request: web.Request, *, max_chars: int) -> str:
    """The token of `Authorization: Bearer`, the only method accepted; errors carry no
    challenge parameters (the caller adds its realm)."""
    return access_token(request, max_chars=max_chars)[1]


def access_token(
    request: web.Request, *, max_chars: int, schemes: tuple[str, ...] = ("bearer",)
) -> tuple[str, str]:
    """The scheme (in lower case) and token of the Authorization header, whose scheme must
    be one of `schemes`: `bearer`, and `dpop` (RFC 9449 §7.1, the same token68 syntax)."""
    # The raw request target is read first: it costs no URL parsing, and a request with no
    # `?` in it has no query to look in.
    if "?" in request.raw_path and "access_token" in request.query:
        # RFC 6750 §2.3 is not offered (a URL ends up in logs), and §2 allows one method only.
        raise BearerInvalidRequest("send the token in the Authorization header only")
    values = request.headers.getall(hdrs.AUTHORIZATION, ())
    if not values:
        raise MissingToken()
    if len(values) > 1:
        raise BearerInvalidRequest("more than one Authorization header")
    scheme, _, token = values[0].partition(" ")
    scheme = scheme.lower()
    if scheme not in schemes:
        named = " or ".join(s.capitalize() if s == "bearer" else s.upper() for s in schemes)
        raise BearerInvalidRequest(f"the Authorization scheme must be {named}")
    if " " in token or "," in token or not token:
        token = _one_credential(token)
    if len(token) > max_chars:
        raise InvalidToken("the token is too large")
    return scheme, token


def _one_credential(credentials: str) -> str:
    """The slow path: spaces around one token are allowed (1*SP), anything else is not."""
    token = credentials.strip(" ")
    if not token:
        raise BearerInvalidRequest("the Bearer credentials are empty")
    if " " in token or "," in token:
        raise BearerInvalidRequest("more than one token")
    if not _B64TOKEN.fullmatch(token):
        raise InvalidToken("the token is malformed")
    return token


def same_token(presented: str, expected: str) -> bool:
    """Constant-time equality that does not reveal the expected token's length either."""
    return hmac.compare_digest(
        hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest(),
        hashlib.sha256(expected.encode()).digest(),
    )
