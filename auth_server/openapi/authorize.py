"""The authorization endpoint (RFC 6749 §4.1, RFC 7636, RFC 9207): pages for people, and
303 redirects back to the client."""

from __future__ import annotations

from auth_server.openapi.common import HTML, error_response, form_body, unavailable
from auth_server.openapi.token import RESOURCE, SCOPE
from auth_server.signin.pages import BROWSER_COOKIE
from auth_server.signin.sessions import SESSION_COOKIE
from shared.openapi import Schema, ref, response


def _query(name: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def authorization_parameters() -> list[Schema]:
    """RFC 6749 §4.1.1 with PKCE (RFC 7636 §4.3), `prompt` and RFC 8707 `resource`."""
    return [
        _query("response_type", {"type": "string", "const": "code"}, "Only `code`.", required=True),
        _query("client_id", {"type": "string"}, "A registered client.", required=True),
        _query(
            "redirect_uri",
            {"type": "string", "format": "uri"},
            "Exactly one of the client's registered URIs; optional when it has only one.",
        ),
        _query("scope", SCOPE, "A subset of the client's scopes; absent, all of them."),
        _query("state", {"type": "string", "maxLength": 2048}, "Returned unchanged."),
        _query(
            "code_challenge",
            {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
            "BASE64URL(SHA-256(code_verifier)).",
            required=True,
        ),
        _query("code_challenge_method", {"const": "S256"}, "Only `S256`.", required=True),
        _query(
            "prompt",
            {"type": "string", "pattern": "^ *(none|(login|consent)( +(login|consent))*) *$"},
            "`none` answers without a page (`login_required`, `consent_required`,"
            " `interaction_required`); `login`, `consent` force that page.",
        ),
        {**_query("resource", RESOURCE, "The token's audience."), "explode": True},
        _cookie(SESSION_COOKIE, "The signed-in browser's session (`__Host-` prefixed on https)."),
        _cookie(BROWSER_COOKIE, "The browser's CSRF binding (`__Host-` prefixed on https)."),
        *openid_parameters(),
    ]


def openid_parameters() -> list[Schema]:
    """OpenID Connect Core §3.1.2.1: the nonce for the ID token, max_age, login_hint."""
    return [
        _query(
            "nonce",
            {"type": "string", "maxLength": 512},
            "OpenID Connect: copied into the ID token.",
        ),
        _query(
            "max_age",
            {"type": "string", "pattern": "^[0-9]{1,10}$"},
            "OpenID Connect: seconds a sign-in may be old; older asks for a fresh one.",
        ),
        _query(
            "login_hint",
            {"type": "string", "maxLength": 256},
            "OpenID Connect: the username to fill in on the login page.",
        ),
    ]


def _cookie(name: str, description: str) -> Schema:
    return {"name": name, "in": "cookie", "schema": {"type": "string"}, "description": description}


def _page(description: str, **extra: Schema) -> Schema:
    """A server-rendered HTML page, never cached or framed."""
    named = {
        "Cache-Control": ref("headers", "NoStore"),
        "Content-Security-Policy": ref("headers", "ContentSecurityPolicy"),
        "X-Frame-Options": ref("headers", "XFrameOptions"),
        "Set-Cookie": ref("headers", "SetCookie"),
        **extra,
    }
    return response(description, {HTML: {"schema": {"type": "string"}}}, **named)


def page_headers() -> Schema:
    """The headers every page carries."""
    return {
        "ContentSecurityPolicy": {
            "required": True,
            "description": "No scripts; styles by nonce; no framing.",
            "schema": {"type": "string", "pattern": "^default-src 'none'"},
        },
        "XFrameOptions": {"required": True, "schema": {"const": "DENY"}},
        "SetCookie": {
            "description": "The CSRF binding or session cookie: HttpOnly, SameSite=Lax.",
            "schema": {"type": "string"},
        },
        "Location": {
            "required": True,
            "description": "The redirect URI with `code` or `error` (and `error_description`),"
            " `state` and `iss` (RFC 9207) in its query.",
            "schema": {"type": "string", "format": "uri"},
        },
    }


def _responses() -> Schema:
    return {
        "200": _page("The login page, or the consent page once signed in."),
        "303": response(
            "Back to the client: a code, or an error once the client and redirect_uri are known"
            " good (RFC 6749 §4.1.2).",
            None,
            Location=ref("headers", "Location"),
            **{
                "Cache-Control": ref("headers", "NoStore"),
                "Set-Cookie": ref("headers", "SetCookie"),
            },
        ),
        "400": _page(
            "Our own error page: unknown client or redirect_uri (never redirected), an expired"
            " form, or no decision; or the login page again."
        ),
        "401": _page("The login page again: wrong username or password."),
        "413": error_response("The form is larger than 64 KiB.", "invalid_request"),
        "429": _page(
            "The login page: too many failed sign-ins.",
            **{"Retry-After": ref("headers", "Retry-After")},
        ),
        "503": unavailable(),
    }


def login_or_consent_form() -> Schema:
    """What the login page (username, password) and the consent page (decision) post."""
    return form_body(
        {
            "type": "object",
            "properties": {
                "csrf_token": {"type": "string"},
                "username": {"type": "string"},
                "password": {"type": "string"},
                "decision": {"enum": ["approve", "deny"]},
                "client_id": {
                    "type": "string",
                    "description": "With no query at all, the form is an authorization request"
                    " (OpenID Connect Core §3.1.2.1) and gets 303 to the same request by GET.",
                },
            },
        },
        required=False,
    )


def authorize_path() -> Schema:
    """GET shows a page or redirects; POST is what the pages submit, to the same URL."""
    parameters = authorization_parameters()
    return {
        "get": {
            "operationId": "authorize",
            "summary": "Start an authorization request (RFC 6749 §4.1.1).",
            "security": [],
            "parameters": parameters,
            "responses": _responses(),
        },
        "post": {
            "operationId": "authorizeSubmit",
            "summary": "Sign in, or allow or deny, for the request in the query; or, with no"
            " query, an authorization request as a form.",
            "security": [],
            "parameters": parameters,
            "requestBody": login_or_consent_form(),
            "responses": _responses(),
        },
    }
