"""The resource server's OpenAPI 3.1 document: every route, what it takes and what it answers
(RFC 6750 challenges included), built from the settings and rendered once."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp.typedefs import Handler

from resource_server.settings import Settings
from shared.openapi import (
    OPENAPI_VERSION,
    Schema,
    common_headers,
    document_handler,
    error_body,
    header,
    json_content,
    no_store,
    ref,
    response,
)

PATH = "/openapi.json"


def _headers() -> Schema:
    return {
        **common_headers(),
        "WWW-Authenticate": header(
            'RFC 6750 §3 challenge: `Bearer realm="...", resource_metadata="..."`, plus'
            " `error`, `error_description` (and `scope` for insufficient_scope) once a token"
            " was presented.",
            {"type": "string", "pattern": "^Bearer "},
        ),
        "WWW-Authenticate-IfMalformed": header(
            "As WWW-Authenticate, present when the Authorization header was malformed.",
            {"type": "string", "pattern": "^Bearer "},
            required=False,
        ),
    }


def _schemas(settings: Settings) -> Schema:
    return {
        "Account": {
            "type": "object",
            "required": ["subject", "client_id", "scope", "data"],
            "properties": {
                "subject": {"type": "string", "description": "The token's `sub`."},
                "client_id": {"type": "string", "description": "The token's `client_id`."},
                "scope": {"type": "string", "description": "The token's space-separated scope."},
                "data": {"type": "object", "description": "What was stored; `{}` until then."},
            },
            "additionalProperties": False,
        },
        "ProtectedResourceMetadata": {
            "type": "object",
            "required": list(_metadata_properties(settings)),
            "properties": _metadata_properties(settings),
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}},
            "additionalProperties": False,
        },
        "Readiness": _readiness(),
    }


def _readiness() -> Schema:
    """`/readyz`: ready or not, why not, and how fresh the revocation feed is when polled."""
    feed = {
        "type": "object",
        "required": ["last_poll_age_seconds", "revoked"],
        "properties": {
            "last_poll_age_seconds": {"type": ["number", "null"]},
            "revoked": {"type": "integer", "minimum": 0},
        },
    }
    return {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"enum": ["ready", "unavailable"]},
            "problems": {"type": "array", "items": {"type": "string"}},
            "revocation_feed": feed,
        },
        "additionalProperties": False,
    }


def _metadata_properties(settings: Settings) -> Schema:
    """RFC 9728 §2: the members this server publishes, with the values it publishes."""
    return {
        "resource": {"const": settings.identifier},
        "authorization_servers": {"const": [settings.issuer]},
        "scopes_supported": {"const": list(settings.scopes)},
        "bearer_methods_supported": {"const": ["header"]},
    }


def _responses() -> Schema:
    """The answers of the bearer check (RFC 6750 §3) and of the request-body limits."""
    challenge = ref("headers", "WWW-Authenticate")
    never_cached = {"Cache-Control": ref("headers", "NoStore")}
    return {
        "BadRequest": response(
            "`invalid_request`: an empty Bearer, two tokens, another scheme, a token in the"
            " query, or a body that is not a JSON object. A challenge comes with the first"
            " four.",
            json_content(error_body("invalid_request")),
            **never_cached,
            **{"WWW-Authenticate": ref("headers", "WWW-Authenticate-IfMalformed")},
        ),
        "Unauthorized": response(
            "No token (`unauthorized`, a challenge without `error`), or a bad, expired,"
            " revoked or oversized one (`invalid_token`).",
            json_content(error_body("unauthorized", "invalid_token")),
            **never_cached,
            **{"WWW-Authenticate": challenge},
        ),
        "Forbidden": response(
            "`insufficient_scope`: the token lacks the scope this operation needs; the"
            ' challenge names it (`scope="..."`).',
            json_content(error_body("insufficient_scope")),
            **never_cached,
            **{"WWW-Authenticate": challenge},
        ),
        "Unavailable": response(
            "`temporarily_unavailable`: the issuer's keys are not loaded yet, or the database"
            " is unreachable.",
            json_content(error_body("temporarily_unavailable")),
            **never_cached,
            **{"Retry-After": ref("headers", "Retry-After")},
        ),
    }


def _protected(success: Schema, *extra: tuple[str, Schema]) -> Schema:
    """The responses of an operation behind the bearer check and a scope requirement."""
    return {
        "200": success,
        "400": ref("responses", "BadRequest"),
        "401": ref("responses", "Unauthorized"),
        "403": ref("responses", "Forbidden"),
        **dict(extra),
        "503": ref("responses", "Unavailable"),
    }


def _account_paths() -> Schema:
    account = response(
        "The token subject's account.", json_content(ref("schemas", "Account")), **no_store()
    )
    body_error = json_content(error_body("invalid_request"))
    return {
        "get": {
            "operationId": "getAccount",
            "summary": "The account of the token's subject (scope `read`).",
            "security": [{"bearer": ["read"]}],
            "responses": _protected(account),
        },
        "put": {
            "operationId": "putAccount",
            "summary": "Replace the account's data with the body (scope `write`).",
            "security": [{"bearer": ["write"]}],
            "requestBody": {
                "required": True,
                "description": "The JSON object to store as `data`, at most 16,384 bytes.",
                "content": json_content({"type": "object"}),
            },
            "responses": _protected(
                account,
                ("408", response("The body did not arrive within 10 s.", body_error)),
                ("413", response("The body is over 16,384 bytes; nothing stored.", body_error)),
            ),
        },
    }


def _public_get(operation_id: str, summary: str, responses: Schema) -> Schema:
    """A GET that needs no token."""
    operation = {"operationId": operation_id, "summary": summary, "security": []}
    return {"get": {**operation, "responses": responses}}


def _public_paths(settings: Settings) -> Schema:
    cached = {"Cache-Control": header("Cacheable.", {"type": "string"})}
    metadata = json_content(ref("schemas", "ProtectedResourceMetadata"))
    readiness = json_content(ref("schemas", "Readiness"))
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        settings.metadata_path: _public_get(
            "getProtectedResourceMetadata",
            "RFC 9728 protected resource metadata.",
            {"200": response("The metadata.", metadata, **cached)},
        ),
        "/healthz": _public_get(
            "getHealth",
            "The process is alive.",
            {"200": response("Alive.", json_content(ref("schemas", "Health")))},
        ),
        "/readyz": _public_get(
            "getReadiness",
            "The issuer's keys are held and the database answers.",
            {
                "200": response("Ready.", readiness),
                "503": response("Not ready (or stopping): `problems` says why.", readiness),
            },
        ),
        "/metrics": _public_get(
            "getMetrics",
            "Prometheus metrics (text exposition format).",
            {"200": response("The metrics.", text)},
        ),
        PATH: _public_get(
            "getOpenApiDocument",
            "This document.",
            {"200": response("OpenAPI 3.1.", json_content({"type": "object"}))},
        ),
    }


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a resource server with these settings."""
    origin = urlsplit(settings.identifier)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Resource server",
            "version": "1",
            "description": "Protected accounts behind RFC 6750 Bearer access tokens"
            f" (RFC 9068 JWTs) issued by {settings.issuer}.",
        },
        "servers": [{"url": f"{origin.scheme}://{origin.netloc}"}],
        "security": [{"bearer": []}],
        "paths": {"/account": _account_paths(), **_public_paths(settings)},
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An RFC 9068 access token in `Authorization: Bearer` only.",
                }
            },
            "schemas": _schemas(settings),
            "headers": _headers(),
            "responses": _responses(),
        },
    }


def openapi_handler(settings: Settings) -> Handler:
    """`GET /openapi.json`, its body rendered once."""
    return document_handler(openapi_document(settings))
