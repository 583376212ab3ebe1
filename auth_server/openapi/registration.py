"""Dynamic client registration (RFC 7591) and client configuration (RFC 7592), documented only
while registration is open (AUTH_REGISTRATION_TOKEN set)."""

from __future__ import annotations

from auth_server.clients.metadata import MAX_REDIRECT_URIS, MAX_URI_LENGTH
from auth_server.clients.policy import MAX_NAME_LENGTH
from auth_server.clients.registry import AUTH_METHODS
from auth_server.openapi.common import error_response, limits, no_store, unavailable
from auth_server.openapi.token import SCOPE, grant_parameters
from shared.openapi import Schema, json_content, ref, response


def client_metadata() -> Schema:
    """RFC 7591 §2: the members we read; any other is ignored."""
    uri = {"type": "string", "format": "uri", "maxLength": MAX_URI_LENGTH}
    uris = {"type": "array", "items": uri, "maxItems": MAX_REDIRECT_URIS}
    return {
        "type": "object",
        "properties": {
            "client_name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
            "redirect_uris": uris,
            "grant_types": {"type": "array", "items": {"enum": list(grant_parameters())}},
            "response_types": {"type": "array", "items": {"const": "code"}},
            "token_endpoint_auth_method": {"enum": list(AUTH_METHODS)},
            "scope": SCOPE,
            **_key_members(),
        },
    }


def _key_members() -> Schema:
    """RFC 7591 §2 `jwks`/`jwks_uri` (private_key_jwt) and RFC 9449 §5.2's DPoP flag."""
    return {
        "jwks": {"type": "object", "properties": {"keys": {"type": "array"}}},
        "jwks_uri": {"type": "string", "format": "uri"},
        "dpop_bound_access_tokens": {"type": "boolean"},
    }


def client_update() -> Schema:
    """RFC 7592 §2.2: the full metadata again, with this client's `client_id`."""
    metadata = client_metadata()
    properties = {
        **metadata["properties"],
        "client_id": {"type": "string"},
        "client_secret": {"type": "string", "description": "If sent, the client's own."},
    }
    return {**metadata, "required": ["client_id"], "properties": properties}


def client_information() -> Schema:
    """RFC 7591 §3.2.1 and RFC 7592 §3."""
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "required": [
            "client_id",
            "client_id_issued_at",
            "client_name",
            "redirect_uris",
            "grant_types",
            "response_types",
            "token_endpoint_auth_method",
            "scope",
            "registration_client_uri",
            "registration_access_token",
        ],
        "properties": {
            "client_id": {"type": "string"},
            "client_secret": {"type": "string", "description": "Only when the client is made."},
            "client_id_issued_at": {"type": "integer"},
            "client_secret_expires_at": {"const": 0},
            "client_name": {"type": "string"},
            "redirect_uris": strings,
            "grant_types": strings,
            "response_types": strings,
            "token_endpoint_auth_method": {"enum": list(AUTH_METHODS)},
            "scope": {"type": "string"},
            "registration_client_uri": {"type": "string", "format": "uri"},
            "registration_access_token": {"type": "string"},
            **_key_members(),
        },
        "additionalProperties": False,
    }


def _errors(*, body: bool) -> Schema:
    """RFC 7591 §3.2.2 metadata errors and RFC 6750 §3 bearer errors."""
    challenge = ref("headers", "BearerChallenge")
    metadata_errors = ("invalid_client_metadata", "invalid_redirect_uri") if body else ()
    answers = {
        "400": error_response(
            "Malformed Authorization (challenge included), a body that is not a JSON object"
            " of application/json, or metadata we refuse.",
            "invalid_request",
            *metadata_errors,
            **{"WWW-Authenticate": ref("headers", "BearerChallengeIfMalformed")},
        ),
        "401": error_response(
            "No token (`unauthorized`), or a wrong one, or one for another client"
            " (`invalid_token`).",
            "unauthorized",
            "invalid_token",
            **{"WWW-Authenticate": challenge},
        ),
        **(limits() if body else {}),
        "503": unavailable(),
    }
    return dict(sorted(answers.items()))


def _json_body(schema: Schema) -> Schema:
    return {"required": True, "content": json_content(schema)}


def _information(description: str) -> Schema:
    return response(description, json_content(ref("schemas", "ClientInformation")), **no_store())


def register_path(anonymous: bool = False) -> Schema:
    """POST with the initial access token."""
    return {
        "post": {
            "operationId": "register",
            "summary": "Register a client (RFC 7591 §3).",
            # AUTH_REGISTRATION=open: no credentials at all, or the initial access token.
            "security": [{"initialAccessToken": []}, *([{}] if anonymous else [])],
            "requestBody": _json_body(ref("schemas", "ClientMetadata")),
            "responses": {
                "201": _information("The client, its secret (if any) and its configuration token."),
                **_errors(body=True),
            },
        }
    }


def configuration_path() -> Schema:
    """GET, PUT, DELETE with the client's registration access token."""
    client_id = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "string"}}
    security: list[Schema] = [{"registrationAccessToken": []}]
    return {
        "parameters": [client_id],
        "get": {
            "operationId": "readClientConfiguration",
            "summary": "Read the registration (RFC 7592 §2.1).",
            "security": security,
            "responses": {"200": _information("The registration."), **_errors(body=False)},
        },
        "put": {
            "operationId": "updateClientConfiguration",
            "summary": "Replace the registration (RFC 7592 §2.2).",
            "security": security,
            "requestBody": _json_body(ref("schemas", "ClientUpdate")),
            "responses": {"200": _information("The new registration."), **_errors(body=True)},
        },
        "delete": {
            "operationId": "deleteClientConfiguration",
            "summary": "Delete the client, its grants and tokens (RFC 7592 §2.3).",
            "security": security,
            "responses": {
                "204": response("Deleted.", None, **no_store()),
                **_errors(body=False),
            },
        },
    }
