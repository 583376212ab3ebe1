"""The token endpoint (RFC 6749 §3.2): each grant's parameters, §5.1 success, §5.2 errors."""

from __future__ import annotations

from auth_server.clients.registry import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    DEVICE_CODE,
    REFRESH_TOKEN,
)
from auth_server.openapi.common import (
    client_parameters,
    error_response,
    form_body,
    form_errors,
    no_store,
)
from shared.openapi import Schema, json_content, ref, response

SCOPE = {"type": "string", "description": "Space-separated scope names (RFC 6749 §3.3)."}
RESOURCE = {
    "type": "array",
    "items": {"type": "string", "format": "uri"},
    "description": "RFC 8707 resource indicators: the token's `aud`.",
}


def grant_parameters() -> dict[str, Schema]:
    """Each installed grant type's own parameters (RFC 6749 §4.1.3, §4.4.2, §6)."""
    # In step with auth_server.app.install_grants: a new grant type gets its form here.
    return {
        AUTHORIZATION_CODE: {
            "code": {"type": "string"},
            "redirect_uri": {"type": "string", "format": "uri"},
            "code_verifier": {
                "type": "string",
                "pattern": "^[A-Za-z0-9._~-]{43,128}$",
                "description": "RFC 7636 §4.1 PKCE verifier.",
            },
            "resource": RESOURCE,
        },
        CLIENT_CREDENTIALS: {"scope": SCOPE, "resource": RESOURCE},
        REFRESH_TOKEN: {"refresh_token": {"type": "string"}, "scope": SCOPE, "resource": RESOURCE},
        DEVICE_CODE: {
            "device_code": {"type": "string", "description": "RFC 8628 §3.4."},
            "resource": RESOURCE,
        },
    }


REQUIRED = {
    AUTHORIZATION_CODE: ["code"],
    REFRESH_TOKEN: ["refresh_token"],
    DEVICE_CODE: ["device_code"],
}


def token_request() -> Schema:
    """One form per grant type, told apart by `grant_type`."""
    forms = [
        {
            "title": grant_type,
            "type": "object",
            "required": ["grant_type", *REQUIRED.get(grant_type, [])],
            "properties": {
                "grant_type": {"const": grant_type},
                **parameters,
                **client_parameters(),
            },
        }
        for grant_type, parameters in grant_parameters().items()
    ]
    return {"oneOf": forms}


def token_response() -> Schema:
    """RFC 6749 §5.1; `refresh_token` only where the grant issues one."""
    return {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string", "description": "An RFC 9068 JWT."},
            "token_type": {"enum": ["Bearer", "DPoP"]},  # RFC 9449 §5: DPoP with a proof
            "expires_in": {"type": "integer", "minimum": 1},
            "scope": {"type": "string"},
            "refresh_token": {"type": "string"},
        },
        "additionalProperties": False,
    }


def token_path() -> Schema:
    """POST only; `client_secret_basic`, `client_secret_post`, or a public `client_id`."""
    errors = form_errors(
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_target",
        # RFC 8628 §3.5: the device grant's answers while the person has not approved.
        "authorization_pending",
        "slow_down",
        "access_denied",
        "expired_token",
        "invalid_dpop_proof",
        "use_dpop_nonce",
    )
    not_allowed = error_response(
        "A method other than POST (RFC 6749 §3.2).",
        "invalid_request",
        Allow=ref("headers", "Allow"),
    )
    body = form_body(token_request(), arrays=("resource",))
    return {
        "post": {
            "operationId": "token",
            "summary": "Exchange a grant for an access token (RFC 6749 §3.2).",
            "security": [{"clientSecretBasic": []}, {}],
            "requestBody": body,
            "responses": {
                "200": response(
                    "RFC 6749 §5.1: the access token.",
                    json_content(ref("schemas", "TokenResponse")),
                    **no_store(),
                ),
                **errors,
                "405": not_allowed,
            },
        }
    }
