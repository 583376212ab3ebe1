"""Building blocks of the authorization server's OpenAPI document: references, error bodies
(RFC 6749 §5.2), headers and the responses every form endpoint shares."""

from __future__ import annotations

from shared.openapi import (
    Schema,
    common_headers,
    error_body,
    header,
    json_content,
    no_store,
    ref,
    response,
)

# The shared blocks are re-exported: every module of this document imports from here.
__all__ = [
    "FORM",
    "HTML",
    "Schema",
    "client_parameters",
    "error_body",
    "error_response",
    "form_body",
    "form_errors",
    "headers",
    "json_content",
    "limits",
    "no_store",
    "ref",
    "response",
    "unavailable",
]

FORM = "application/x-www-form-urlencoded"
HTML = "text/html"


def error_response(description: str, *codes: str, **headers: Schema) -> Schema:
    """A JSON protocol error, never cached."""
    return response(description, json_content(error_body(*codes)), **no_store(), **headers)


def form_body(schema: Schema, *, required: bool = True, arrays: tuple[str, ...] = ()) -> Schema:
    """An `application/x-www-form-urlencoded` request body; `arrays` repeat their name."""
    media: Schema = {"schema": schema}
    if arrays:
        media["encoding"] = {name: {"style": "form", "explode": True} for name in arrays}
    return {"required": required, "content": {FORM: media}}


def headers() -> Schema:
    """Headers that several responses carry."""
    return {
        **common_headers(),
        "BasicChallenge": header(
            'RFC 6749 §5.2: `Basic realm="ISSUER", charset="UTF-8"`, sent when the client'
            " tried HTTP Basic.",
            {"type": "string", "pattern": "^Basic realm="},
        ),
        "BasicChallengeIfTried": header(
            "As BasicChallenge, present only when the client tried HTTP Basic.",
            {"type": "string", "pattern": "^Basic realm="},
            required=False,
        ),
        "BearerChallenge": header(
            'RFC 6750 §3: `Bearer realm="ISSUER"`, with `error` once a token was presented.',
            {"type": "string", "pattern": "^Bearer realm="},
        ),
        "BearerChallengeIfMalformed": header(
            "As BearerChallenge, present when the Authorization header itself was malformed.",
            {"type": "string", "pattern": "^Bearer realm="},
            required=False,
        ),
        "Allow": header("The methods the endpoint serves.", {"type": "string"}),
    }


def form_errors(*codes: str) -> Schema:
    """The answers every client-authenticated form endpoint shares besides its success."""
    return {
        "400": error_response(
            "RFC 6749 §5.2: a parameter is missing, repeated or malformed; the body is not"
            " form-encoded; or two client authentication methods were used.",
            "invalid_request",
            *codes,
        ),
        "401": error_response(
            "`invalid_client`: no, unknown or wrong client credentials; a challenge comes"
            " when HTTP Basic was tried.",
            "invalid_client",
            **{"WWW-Authenticate": ref("headers", "BasicChallengeIfTried")},
        ),
        **limits(),
        "429": error_response(
            "Too many failed client authentications from this address for this client_id.",
            "temporarily_unavailable",
            **{"Retry-After": ref("headers", "Retry-After")},
        ),
        "503": unavailable(),
    }


def limits() -> Schema:
    """408 and 413: a body too slow or too large."""
    return {
        "408": error_response("The body did not arrive within 10 s.", "invalid_request"),
        "413": error_response("The body is larger than the endpoint accepts.", "invalid_request"),
    }


def unavailable() -> Schema:
    """503: the database is unreachable."""
    return error_response(
        "`temporarily_unavailable`: the database is unreachable; retry shortly.",
        "temporarily_unavailable",
        **{"Retry-After": ref("headers", "Retry-After")},
    )


def client_parameters() -> Schema:
    """RFC 6749 §2.3.1 `client_secret_post`, or a public client naming itself."""
    return {
        "client_id": {
            "type": "string",
            "description": "With client_secret_post, or a public client.",
        },
        "client_secret": {"type": "string", "description": "client_secret_post."},
        "client_assertion_type": {
            "const": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "description": "private_key_jwt (RFC 7523 §2.2).",
        },
        "client_assertion": {"type": "string", "description": "private_key_jwt: a signed JWT."},
    }
