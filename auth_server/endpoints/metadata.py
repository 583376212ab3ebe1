"""Authorization server metadata (RFC 8414): only what this server really does."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from auth_server.appkeys import METADATA
from auth_server.clients import SECRET_BASIC, SECRET_POST
from auth_server.settings import Settings

PATH = "/.well-known/oauth-authorization-server"
TOKEN_PATH = "/token"
JWKS_PATH = "/jwks.json"


def build_metadata(settings: Settings, grant_types: list[str]) -> dict[str, Any]:
    """The metadata document for these settings and the grants that are installed."""
    issuer = settings.issuer
    return {
        "issuer": issuer,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "grant_types_supported": grant_types,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": [SECRET_BASIC, SECRET_POST],
        "scopes_supported": list(settings.scopes),
    }


def render(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


async def metadata(request: web.Request) -> web.Response:
    """GET /.well-known/oauth-authorization-server"""
    return web.Response(
        body=request.app[METADATA],
        content_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
