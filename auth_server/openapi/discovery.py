"""What needs no client: metadata (RFC 8414), keys (RFC 7517), health, metrics, this document."""

from __future__ import annotations

from auth_server.endpoints.metadata import JWKS_PATH, PATH, build_metadata
from auth_server.settings import Settings
from shared.openapi import Schema, json_content, response

OPENAPI_PATH = "/openapi.json"
METADATA_MAX_AGE = 300


def _cache(max_age: int) -> Schema:
    value = f"public, max-age={max_age}"
    return {"Cache-Control": {"required": True, "schema": {"const": value}}}


def _get(operation_id: str, summary: str, responses: Schema) -> Schema:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "security": [],
            "responses": responses,
        }
    }


def _jwk(kty: str, members: Schema) -> Schema:
    """One public key of type `kty` with its own `members` (RFC 7518 §6.2.1, §6.3.1)."""
    properties = {
        "kty": {"const": kty},
        "kid": {"type": "string", "description": "The RFC 7638 thumbprint."},
        "use": {"const": "sig"},
        "alg": {"type": "string"},
        **members,
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def jwk_set() -> Schema:
    """RFC 7517 §5: public signing keys only, RSA or EC P-256."""
    text = {"type": "string"}
    private = ("d", "p", "q", "dp", "dq", "qi")
    key = {
        "oneOf": [
            _jwk("RSA", {"n": text, "e": text}),
            _jwk("EC", {"crv": {"const": "P-256"}, "x": text, "y": text}),
        ],
        "not": {"anyOf": [{"required": [name]} for name in private]},
    }
    return {
        "type": "object",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": key}},
    }


def health() -> Schema:
    """`/healthz` and `/readyz` bodies."""
    return {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"enum": ["ok", "ready", "unavailable"]},
            "problems": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    }


def metadata_schema(settings: Settings, grant_types: list[str]) -> Schema:
    """RFC 8414 §2: the members this server publishes; URLs and flags exactly as published."""
    published = build_metadata(settings, grant_types)
    properties = {
        name: {"type": "array", "items": {"type": "string"}}
        if isinstance(value, list)
        else {"const": value}
        for name, value in published.items()
    }
    return {"type": "object", "required": list(published), "properties": properties}


def discovery_paths(settings: Settings) -> Schema:
    """Metadata, JWKS, health, metrics and this document."""
    metadata = json_content({"$ref": "#/components/schemas/AuthorizationServerMetadata"})
    keys = json_content({"$ref": "#/components/schemas/JwkSet"})
    status = json_content({"$ref": "#/components/schemas/Health"})
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        PATH: _get(
            "metadata",
            "Authorization server metadata (RFC 8414).",
            {"200": response("What this server implements.", metadata, **_cache(METADATA_MAX_AGE))},
        ),
        JWKS_PATH: _get(
            "jwks",
            "The public keys tokens are signed with (RFC 7517).",
            {
                "200": response(
                    "Published before a key signs.", keys, **_cache(settings.jwks_max_age)
                )
            },
        ),
        "/healthz": _get("healthz", "The process is alive.", {"200": response("Alive.", status)}),
        "/readyz": _get(
            "readyz",
            "The database answers and a signing key is loaded.",
            {
                "200": response("Ready.", status),
                "503": response("Not ready (or stopping): `problems` says why.", status),
            },
        ),
        "/metrics": _get(
            "metrics", "Prometheus metrics (text format).", {"200": response("The metrics.", text)}
        ),
        OPENAPI_PATH: _get(
            "openapi",
            "This document.",
            {"200": response("OpenAPI 3.1.", json_content({"type": "object"}))},
        ),
    }
