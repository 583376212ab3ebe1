"""The authorization server's OpenAPI 3.1 document, built from its settings and served once
rendered at `GET /openapi.json`; one module per group of endpoints.

May import: `auth_server.settings`, the endpoints' path constants, `shared.openapi`."""

from __future__ import annotations

from typing import Any

from aiohttp.typedefs import Handler

from auth_server.endpoints.metadata import (
    AUTHORIZE_PATH,
    DEVICE_AUTHORIZATION_PATH,
    INTROSPECTION_PATH,
    REGISTRATION_PATH,
    REVOCATION_FEED_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
    VERIFICATION_PATH,
)
from auth_server.openapi.authorize import authorize_path, page_headers
from auth_server.openapi.common import headers
from auth_server.openapi.device import (
    device_authorization_path,
    device_authorization_response,
    verification_path,
)
from auth_server.openapi.discovery import (
    OPENAPI_PATH,
    discovery_paths,
    health,
    jwk_set,
    metadata_schema,
)
from auth_server.openapi.lifecycle import (
    introspect_path,
    introspection_response,
    revocation_feed_response,
    revocations_path,
    revoke_path,
)
from auth_server.openapi.oidc import configuration_schema, oidc_paths, userinfo_claims
from auth_server.openapi.registration import (
    client_information,
    client_metadata,
    client_update,
    configuration_path,
    register_path,
)
from auth_server.openapi.token import grant_parameters, token_path, token_response
from auth_server.settings import Settings
from shared.openapi import OPENAPI_VERSION, Schema, document_handler

__all__ = ["PATH", "openapi_document", "openapi_handler"]

PATH = OPENAPI_PATH


def _paths(settings: Settings) -> Schema:
    paths = {
        **discovery_paths(settings),
        TOKEN_PATH: token_path(),
        AUTHORIZE_PATH: authorize_path(),
        REVOCATION_PATH: revoke_path(),
        INTROSPECTION_PATH: introspect_path(),
        REVOCATION_FEED_PATH: revocations_path(),
        DEVICE_AUTHORIZATION_PATH: device_authorization_path(),
        VERIFICATION_PATH: verification_path(),
        **oidc_paths(),
    }
    if settings.registration_mode != "closed":  # RFC 7591: only while registration is open
        paths[REGISTRATION_PATH] = register_path(settings.registration_mode == "open")
        paths[REGISTRATION_PATH + "/{client_id}"] = configuration_path()
    return paths


def _security_schemes(settings: Settings) -> Schema:
    schemes: Schema = {
        "clientSecretBasic": {
            "type": "http",
            "scheme": "basic",
            "description": "RFC 6749 §2.3.1: client_id and client_secret, each form-urlencoded,"
            " joined by ':', then base64. Alternatives: client_secret_post (both in the form), or"
            " a public client's client_id alone.",
        },
        "accessToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token of this server whose scope has `openid`.",
        },
    }
    if settings.registration_mode != "closed":
        schemes["initialAccessToken"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "RFC 7591 §3: AUTH_REGISTRATION_TOKEN.",
        }
        schemes["registrationAccessToken"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "RFC 7592 §3: the registration_access_token the client was given.",
        }
    return schemes


def _schemas(settings: Settings) -> Schema:
    schemas = {
        "AuthorizationServerMetadata": metadata_schema(settings, list(grant_parameters())),
        "JwkSet": jwk_set(),
        "Health": health(),
        "TokenResponse": token_response(),
        "IntrospectionResponse": introspection_response(),
        "RevocationFeed": revocation_feed_response(),
        "DeviceAuthorizationResponse": device_authorization_response(),
        "OpenIdConfiguration": configuration_schema(settings, list(grant_parameters())),
        "UserInfo": userinfo_claims(),
    }
    if settings.registration_mode != "closed":
        schemas["ClientMetadata"] = client_metadata()
        schemas["ClientUpdate"] = client_update()
        schemas["ClientInformation"] = client_information()
    return schemas


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 document of an authorization server with these settings."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Authorization server",
            "version": "1",
            "description": "OAuth 2 (RFC 6749) with PKCE, RFC 9068 JWT access tokens,"
            " revocation (RFC 7009), introspection (RFC 7662) and, while open, dynamic client"
            " registration (RFC 7591, RFC 7592), the device flow (RFC 8628), and OpenID Connect"
            " (ID tokens, UserInfo, discovery, RP-initiated logout). Endpoint URLs come from"
            " the RFC 8414 metadata.",
        },
        "servers": [{"url": settings.issuer}],
        "paths": _paths(settings),
        "components": {
            "securitySchemes": _security_schemes(settings),
            "schemas": _schemas(settings),
            "headers": {**headers(), **page_headers()},
        },
    }


def openapi_handler(settings: Settings) -> Handler:
    """`GET /openapi.json`, its body rendered once."""
    return document_handler(openapi_document(settings))
