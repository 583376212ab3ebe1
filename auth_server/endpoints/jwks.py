"""The JWKS (RFC 7517 §5): served from memory, cacheable for AUTH_JWKS_MAX_AGE."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import ID_TOKEN_KEYS, SETTINGS


async def jwks(request: web.Request) -> web.Response:
    """GET /jwks.json"""
    max_age = request.app[SETTINGS].jwks_max_age
    return web.Response(
        # Access-token keys, and the RS256 ID-token keys kept beside them if any.
        body=request.app[ID_TOKEN_KEYS].jwks,
        content_type="application/json",
        headers={"Cache-Control": f"public, max-age={max_age}"},
    )
