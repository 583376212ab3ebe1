"""The UserInfo endpoint (OpenID Connect Core §5.3): GET or POST with a Bearer token."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import SETTINGS, USERINFO
from auth_server.endpoints.bearer import presented_token
from shared.http import NO_STORE, json_response


async def userinfo(request: web.Request) -> web.Response:
    """GET and POST /userinfo"""
    token = presented_token(request, request.app[SETTINGS].issuer)
    claims = await request.app[USERINFO].claims(token)
    return json_response(claims, headers=NO_STORE)
