"""The device flow (RFC 8628): the device authorization endpoint and the verification page."""

from __future__ import annotations

from auth_server.device.codes import USER_CODE_ALPHABET
from auth_server.openapi.authorize import login_or_consent_form
from auth_server.openapi.common import (
    HTML,
    Schema,
    client_parameters,
    error_response,
    form_body,
    form_errors,
    json_content,
    no_store,
    ref,
    response,
    unavailable,
)
from auth_server.openapi.token import RESOURCE, SCOPE
from auth_server.signin.pages import BROWSER_COOKIE
from auth_server.signin.sessions import SESSION_COOKIE

USER_CODE = {
    "type": "string",
    "pattern": f"^[{USER_CODE_ALPHABET}]{{4}}-[{USER_CODE_ALPHABET}]{{4}}$",
    "description": "Eight letters from BCDFGHJKLMNPQRSTVWXZ, shown XXXX-XXXX (RFC 8628 §6.1).",
}


def device_authorization_response() -> Schema:
    """RFC 8628 §3.2."""
    return {
        "type": "object",
        "required": [
            "device_code",
            "user_code",
            "verification_uri",
            "verification_uri_complete",
            "expires_in",
            "interval",
        ],
        "properties": {
            "device_code": {"type": "string", "description": "Kept by the device; polled with."},
            "user_code": USER_CODE,
            "verification_uri": {"type": "string", "format": "uri"},
            "verification_uri_complete": {
                "type": "string",
                "format": "uri",
                "description": "`verification_uri` with the user code filled in.",
            },
            "expires_in": {"type": "integer", "minimum": 1},
            "interval": {"type": "integer", "minimum": 1},
        },
        "additionalProperties": False,
    }


def device_authorization_path() -> Schema:
    """POST only; clients authenticate as at the token endpoint (RFC 8628 §3.1)."""
    request = {
        "type": "object",
        "properties": {"scope": SCOPE, "resource": RESOURCE, **client_parameters()},
    }
    return {
        "post": {
            "operationId": "deviceAuthorization",
            "summary": "A device asks for a device code and a user code (RFC 8628 §3.1).",
            "security": [{"clientSecretBasic": []}, {}],
            "requestBody": form_body(request, arrays=("resource",)),
            "responses": {
                "200": response(
                    "RFC 8628 §3.2: the codes and where the person enters the user code.",
                    json_content(ref("schemas", "DeviceAuthorizationResponse")),
                    **no_store(),
                ),
                **form_errors("unauthorized_client", "invalid_scope", "invalid_target"),
                "405": error_response(
                    "A method other than POST.", "invalid_request", Allow=ref("headers", "Allow")
                ),
            },
        }
    }


def _page(description: str, **extra: Schema) -> Schema:
    named = {
        "Cache-Control": ref("headers", "NoStore"),
        "Content-Security-Policy": ref("headers", "ContentSecurityPolicy"),
        "X-Frame-Options": ref("headers", "XFrameOptions"),
        **extra,
    }
    return response(description, {HTML: {"schema": {"type": "string"}}}, **named)


def _verification_parameters() -> list[Schema]:
    user_code = {
        "name": "user_code",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 64},
        "description": "The code the device shows: any case, with or without the dash.",
    }
    cookies = [
        {"name": name, "in": "cookie", "schema": {"type": "string"}}
        for name in (SESSION_COOKIE, BROWSER_COOKIE)
    ]
    return [user_code, *cookies]


def _verification_responses() -> Schema:
    return {
        "200": _page(
            "The code form; with a good `user_code`, the login page, then the consent page"
            " (with a warning to approve only a device in front of you), then the outcome.",
            **{"Set-Cookie": ref("headers", "SetCookie")},
        ),
        "400": _page("The code form again: a wrong or expired code; or an expired form."),
        "401": _page("The login page again: wrong username or password."),
        "413": error_response("The form is larger than 64 KiB.", "invalid_request"),
        "429": _page(
            "Too many wrong codes from this address, or too many failed sign-ins.",
            **{"Retry-After": ref("headers", "Retry-After")},
        ),
        "503": unavailable(),
    }


def verification_path() -> Schema:
    """GET shows the code form (or the next page); POST is what the pages submit."""
    parameters = _verification_parameters()
    return {
        "get": {
            "operationId": "deviceVerification",
            "summary": "Enter a device's user code (RFC 8628 §3.3).",
            "security": [],
            "parameters": parameters,
            "responses": _verification_responses(),
        },
        "post": {
            "operationId": "deviceVerificationSubmit",
            "summary": "Sign in, or allow or deny, for the device whose code is in the query.",
            "security": [],
            "parameters": parameters,
            "requestBody": login_or_consent_form(),
            "responses": _verification_responses(),
        },
    }
