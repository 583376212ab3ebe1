"""OpenID Connect: the provider configuration, UserInfo (Core §5.3) and the end-session
endpoint (RP-Initiated Logout 1.0)."""

from __future__ import annotations

from auth_server.endpoints.metadata import build_metadata
from auth_server.oidc.discovery import (
    END_SESSION_PATH,
    OPENID_CONFIGURATION_PATH,
    USERINFO_PATH,
    openid_configuration,
)
from auth_server.openapi.common import (
    HTML,
    Schema,
    error_response,
    form_body,
    json_content,
    limits,
    no_store,
    ref,
    response,
    unavailable,
)
from auth_server.settings import Settings
from auth_server.signin.pages import BROWSER_COOKIE
from auth_server.signin.sessions import SESSION_COOKIE

_BEARER = {"WWW-Authenticate": ref("headers", "BearerChallenge")}


def configuration_schema(settings: Settings, grant_types: list[str]) -> Schema:
    """Discovery 1.0 §3: the members this server publishes, exactly as published."""
    published = openid_configuration(build_metadata(settings, grant_types))
    properties = {
        name: {"type": "array", "items": {"type": "string"}}
        if isinstance(value, list)
        else {"const": value}
        for name, value in published.items()
    }
    return {"type": "object", "required": list(published), "properties": properties}


def userinfo_claims() -> Schema:
    """Core §5.3.2: `sub` and the claims the token's scope releases."""
    strings = {name: {"type": "string"} for name in ("sub", "name", "preferred_username", "email")}
    properties = {**strings, "email_verified": {"type": "boolean"}}
    return {
        "type": "object",
        "required": ["sub"],
        "properties": properties,
        "additionalProperties": False,
    }


def _userinfo(method: str) -> Schema:
    return {
        "operationId": f"userinfo{method.capitalize()}",
        "summary": "Claims about the person an access token with `openid` stands for.",
        "security": [{"accessToken": []}],
        "responses": {
            "200": response("The claims.", json_content(ref("schemas", "UserInfo")), **no_store()),
            "400": error_response(
                "RFC 6750 §3.1: two credentials, another scheme or an empty token.",
                "invalid_request",
                **{"WWW-Authenticate": ref("headers", "BearerChallengeIfMalformed")},
            ),
            "401": error_response(
                "No token (`unauthorized`), or an invalid, expired or revoked one.",
                "unauthorized",
                "invalid_token",
                **_BEARER,
            ),
            "403": error_response(
                "The token's scope lacks `openid`.", "insufficient_scope", **_BEARER
            ),
            **limits(),
            "503": unavailable(),
        },
    }


def _page(description: str) -> Schema:
    named = {
        "Cache-Control": ref("headers", "NoStore"),
        "Content-Security-Policy": ref("headers", "ContentSecurityPolicy"),
        "X-Frame-Options": ref("headers", "XFrameOptions"),
        "Set-Cookie": ref("headers", "SetCookie"),
    }
    return response(description, {HTML: {"schema": {"type": "string"}}}, **named)


_LOGOUT_PARAMETERS = {
    "id_token_hint": "An ID token this server issued to the client (expired is fine).",
    "client_id": "The client asking; must be the hint's audience.",
    "post_logout_redirect_uri": "One the client registered, exactly; needs a valid hint.",
    "state": "Returned unchanged with the redirect.",
}


def _end_session(method: str) -> Schema:
    operation: Schema = {
        "operationId": "endSession" if method == "get" else "endSessionSubmit",
        "summary": "Sign the person out (RP-Initiated Logout 1.0).",
        "security": [],
        "responses": {
            "200": _page("The confirmation page (no valid hint), or the signed-out page."),
            "303": response(
                "To the registered post_logout_redirect_uri, with `state`.",
                None,
                Location={"required": True, "schema": {"type": "string", "format": "uri"}},
                **{"Cache-Control": ref("headers", "NoStore")},
            ),
            "400": _page("Our own error page: a repeated parameter, an unregistered redirect."),
            **limits(),
            "503": unavailable(),
        },
    }
    cookies = [
        {"name": name, "in": "cookie", "schema": {"type": "string"}}
        for name in (SESSION_COOKIE, BROWSER_COOKIE)
    ]
    if method == "get":
        query = [
            {"name": name, "in": "query", "schema": {"type": "string"}, "description": text}
            for name, text in _LOGOUT_PARAMETERS.items()
        ]
        return {**operation, "parameters": query + cookies}
    properties: Schema = {name: {"type": "string"} for name in _LOGOUT_PARAMETERS}
    properties |= {"csrf_token": {"type": "string"}, "decision": {"enum": ["logout", "stay"]}}
    operation["responses"]["400"] = _page(
        "Our own error page: as for GET, or a body that is not a form."
    )
    return {
        **operation,
        "parameters": cookies,
        "requestBody": form_body({"type": "object", "properties": properties}, required=False),
    }


def oidc_paths() -> Schema:
    """The three OpenID Connect paths."""
    configuration = json_content(ref("schemas", "OpenIdConfiguration"))
    return {
        OPENID_CONFIGURATION_PATH: {
            "get": {
                "operationId": "openidConfiguration",
                "summary": "OpenID Provider configuration (OpenID Discovery 1.0).",
                "security": [],
                "responses": {"200": response("The RFC 8414 document and more.", configuration)},
            }
        },
        USERINFO_PATH: {"get": _userinfo("get"), "post": _userinfo("post")},
        END_SESSION_PATH: {"get": _end_session("get"), "post": _end_session("post")},
    }
