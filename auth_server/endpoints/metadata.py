"""Authorization server metadata (RFC 8414): only what this server really does."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from auth_server.appkeys import METADATA
from auth_server.clients.keys import ASSERTION_ALGORITHMS
from auth_server.clients.registry import (
    AUTHORIZATION_CODE,
    DEVICE_CODE,
    NONE,
    PRIVATE_KEY_JWT,
    SECRET_BASIC,
    SECRET_POST,
)
from auth_server.settings import Settings
from shared.dpop import ALGORITHMS as DPOP_ALGORITHMS

PATH = "/.well-known/oauth-authorization-server"
TOKEN_PATH = "/token"
JWKS_PATH = "/jwks.json"
AUTHORIZE_PATH = "/authorize"
REVOCATION_PATH = "/revoke"
INTROSPECTION_PATH = "/introspect"
REVOCATION_FEED_PATH = "/revocations"
REGISTRATION_PATH = "/register"
DEVICE_AUTHORIZATION_PATH = "/device_authorization"
VERIFICATION_PATH = "/device"


def build_metadata(settings: Settings, grant_types: list[str]) -> dict[str, Any]:
    """The metadata document for these settings and the grants that are installed."""
    issuer = settings.issuer
    document: dict[str, Any] = {
        "issuer": issuer,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "grant_types_supported": grant_types,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": [SECRET_BASIC, SECRET_POST, PRIVATE_KEY_JWT],
        # RFC 8414 §2: the algorithms private_key_jwt assertions may be signed with.
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "scopes_supported": list(settings.scopes),
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),  # RFC 9449 §5.1
    }
    if AUTHORIZATION_CODE in grant_types:
        document |= {
            "authorization_endpoint": issuer + AUTHORIZE_PATH,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "token_endpoint_auth_methods_supported": [
                SECRET_BASIC,
                SECRET_POST,
                PRIVATE_KEY_JWT,
                NONE,
            ],
            "prompt_values_supported": ["none", "login", "consent"],
        }
    if DEVICE_CODE in grant_types:  # RFC 8628 §4
        document["device_authorization_endpoint"] = issuer + DEVICE_AUTHORIZATION_PATH
    if settings.client_id_metadata_documents != "off":
        document["client_id_metadata_document_supported"] = True  # the draft's §6
    methods = document["token_endpoint_auth_methods_supported"]
    return document | lifecycle_metadata(settings, methods)


def lifecycle_metadata(settings: Settings, token_auth_methods: list[str]) -> dict[str, Any]:
    """Revocation, introspection, the revocation feed, and registration while it is open."""
    issuer = settings.issuer
    document: dict[str, Any] = {
        "revocation_endpoint": issuer + REVOCATION_PATH,
        # RFC 7009 §2.1: a public client revokes its own tokens by naming its client_id.
        "revocation_endpoint_auth_methods_supported": token_auth_methods,
        "introspection_endpoint": issuer + INTROSPECTION_PATH,
        "introspection_endpoint_auth_methods_supported": [
            SECRET_BASIC,
            SECRET_POST,
            PRIVATE_KEY_JWT,
        ],
        # Our extension: resource servers poll it for revoked access tokens.
        "revocation_feed_endpoint": issuer + REVOCATION_FEED_PATH,
    }
    if settings.registration_mode != "closed":
        document["registration_endpoint"] = issuer + REGISTRATION_PATH
    return document


def render(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


async def metadata(request: web.Request) -> web.Response:
    """GET /.well-known/oauth-authorization-server"""
    return web.Response(
        body=request.app[METADATA],
        content_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
