"""Protected resource metadata (RFC 9728 §2, §3)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from resource_server.middleware import public
from resource_server.settings import Settings
from shared.dpop import ALGORITHMS


def build_metadata(settings: Settings) -> dict[str, Any]:
    """RFC 9728 §2: what a client needs to get a token for this resource."""
    document: dict[str, Any] = {
        "resource": settings.identifier,  # RFC 9728 §3.3: identical to the identifier
        "authorization_servers": [settings.issuer],
        "scopes_supported": list(settings.scopes),
        "bearer_methods_supported": ["header"],
        "dpop_signing_alg_values_supported": list(ALGORITHMS),
    }
    if settings.dpop == "required":
        document["dpop_bound_access_tokens_required"] = True
    return document


def render(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def metadata_handler(settings: Settings) -> Handler:
    """GET /.well-known/oauth-protected-resource[/path]: this resource's own document."""
    body = render(build_metadata(settings))

    @public
    async def metadata(request: web.Request) -> web.Response:
        return web.Response(
            body=body,
            content_type="application/json",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return metadata
