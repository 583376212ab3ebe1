"""The UserInfo endpoint (OpenID Connect Core §5.3): GET or POST with a Bearer token, or a
DPoP-bound token with its proof (RFC 9449 §7)."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import DPOP, SETTINGS, USERINFO
from auth_server.endpoints.bearer import presented_access_token
from auth_server.oidc.discovery import USERINFO_PATH
from shared.errors import BearerError, InvalidToken
from shared.http import NO_STORE, json_response


async def userinfo(request: web.Request) -> web.Response:
    """GET and POST /userinfo"""
    app, issuer = request.app, request.app[SETTINGS].issuer
    scheme, token = presented_access_token(request, issuer)
    try:
        found = await app[USERINFO].active(token)
        if scheme == "bearer" and found.jkt is not None:
            # RFC 9449 §7.2: a bound token is never accepted as a bearer token.
            raise InvalidToken("this token is DPoP-bound: use the DPoP scheme")
        if scheme == "dpop":
            if found.jkt is None:
                raise InvalidToken("this token is not DPoP-bound: use the Bearer scheme")
            jkt = await app[DPOP].resource_proof(request, issuer + USERINFO_PATH, token)
            if jkt != found.jkt:
                raise InvalidToken("the proof's key is not the one the token is bound to")
    except BearerError as exc:
        raise _challenged(exc.with_challenge(realm=issuer), scheme, request) from None
    return json_response(await app[USERINFO].released(found), headers=NO_STORE)


def _challenged(exc: BearerError, scheme: str, request: web.Request) -> BearerError:
    """RFC 9449 §7.1: a DPoP request is refused with the DPoP scheme and its `algs`."""
    if scheme != "dpop":
        return exc
    return exc.with_scheme("DPoP", algs=" ".join(sorted(request.app[DPOP].verifier.algorithms)))
