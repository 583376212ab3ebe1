"""Revocation (RFC 7009), introspection (RFC 7662) and the revocation feed (our extension)."""

from __future__ import annotations

from auth_server.openapi.common import (
    client_parameters,
    error_response,
    form_body,
    form_errors,
    no_store,
    unavailable,
)
from shared.openapi import Schema, json_content, ref, response

TOKEN_FORM = {
    "type": "object",
    "required": ["token"],
    "properties": {
        "token": {"type": "string", "description": "An access or refresh token."},
        "token_type_hint": {
            "type": "string",
            "description": "`access_token` or `refresh_token`; only a hint, never an error.",
        },
        **client_parameters(),
    },
}


def revoke_path() -> Schema:
    """RFC 7009 §2: 200 whether or not anything was revoked."""
    return {
        "post": {
            "operationId": "revoke",
            "summary": "Revoke one of the client's own tokens (RFC 7009).",
            "security": [{"clientSecretBasic": []}, {}],
            "requestBody": form_body(TOKEN_FORM),
            "responses": {
                "200": response(
                    "Revoked, or nothing to revoke (unknown, expired or another client's token).",
                    None,
                    **no_store(),
                ),
                **form_errors(),
            },
        }
    }


def introspection_response() -> Schema:
    """RFC 7662 §2.2: `{"active": false}` alone, or what an active token says."""
    inactive = {
        "type": "object",
        "required": ["active"],
        "properties": {"active": {"const": False}},
        "additionalProperties": False,
    }
    strings = ("scope", "client_id", "sub", "iss", "jti")
    audience = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    active = {
        "type": "object",
        "required": ["active", "scope", "client_id", "sub", "aud", "iss", "exp", "iat"],
        "properties": {
            "active": {"const": True},
            **{name: {"type": "string"} for name in strings},
            "aud": audience,
            "exp": {"type": "integer"},
            "iat": {"type": "integer"},
            "token_type": {"enum": ["Bearer", "refresh_token"]},
        },
        "additionalProperties": False,
    }
    return {"oneOf": [inactive, active]}


def introspect_path() -> Schema:
    """RFC 7662 §2.1: confidential clients only; others' tokens look inactive."""
    return {
        "post": {
            "operationId": "introspect",
            "summary": "What is known of a token (RFC 7662).",
            "description": "A client sees its own tokens; one registered with --introspect sees"
            ' every token; anything else is `{"active": false}`.',
            "security": [{"clientSecretBasic": []}, {}],
            "requestBody": form_body(TOKEN_FORM),
            "responses": {
                "200": response(
                    "The token's state.",
                    json_content(ref("schemas", "IntrospectionResponse")),
                    **no_store(),
                ),
                **form_errors(),
            },
        }
    }


def revocation_feed_response() -> Schema:
    """A page of revoked access tokens, in revocation order: one `jti` each, or every token of
    a deleted client or disabled user issued at or before `issued_before`."""
    token = {
        "type": "object",
        "required": ["jti", "exp"],
        "properties": {"jti": {"type": "string"}, "exp": {"type": "integer"}},
        "additionalProperties": False,
    }
    subjects = [
        {
            "type": "object",
            "required": [claim, "issued_before", "exp"],
            "properties": {
                claim: {"type": "string"},
                "issued_before": {"type": "integer"},
                "exp": {"type": "integer"},
            },
            "additionalProperties": False,
        }
        for claim in ("client_id", "sub")
    ]
    entry = {"oneOf": [token, *subjects]}
    return {
        "type": "object",
        "required": ["revoked", "cursor", "more"],
        "properties": {
            "revoked": {"type": "array", "items": entry, "maxItems": 1000},
            "cursor": {"type": "string", "pattern": "^v1\\.[0-9]{1,18}$"},
            "more": {"type": "boolean"},
        },
        "additionalProperties": False,
    }


def _revocations_responses() -> Schema:
    challenge = {"WWW-Authenticate": ref("headers", "BasicChallenge")}
    return {
        "200": response(
            "Up to 1000 entries; ask again at once while `more` is true.",
            json_content(ref("schemas", "RevocationFeed")),
            **no_store(),
        ),
        "400": error_response(
            "A cursor the feed did not hand out, `after` twice, or two Authorization headers.",
            "invalid_request",
        ),
        "401": error_response(
            "No, malformed or wrong HTTP Basic credentials.", "invalid_client", **challenge
        ),
        "403": error_response(
            "The client is not registered with --introspect.", "unauthorized_client"
        ),
        "429": error_response(
            "Too many failed client authentications.",
            "temporarily_unavailable",
            **{"Retry-After": ref("headers", "Retry-After")},
        ),
        "503": unavailable(),
    }


def revocations_path() -> Schema:
    """GET with HTTP Basic by a client registered with --introspect."""
    after = {
        "name": "after",
        "in": "query",
        "schema": {"type": "string", "pattern": "^v1\\.[0-9]{1,18}$"},
        "description": "The `cursor` of the previous page; absent, the feed starts over.",
    }
    return {
        "get": {
            "operationId": "revocations",
            "summary": "Access tokens revoked after a cursor (for resource servers).",
            "security": [{"clientSecretBasic": []}],
            "parameters": [after],
            "responses": _revocations_responses(),
        }
    }
