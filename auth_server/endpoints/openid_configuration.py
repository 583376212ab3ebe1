"""OpenID Provider configuration (OpenID Discovery 1.0 §4): rendered once at start-up."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import OPENID_CONFIGURATION


async def openid_configuration(request: web.Request) -> web.Response:
    """GET /.well-known/openid-configuration"""
    return web.Response(
        body=request.app[OPENID_CONFIGURATION],
        content_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
