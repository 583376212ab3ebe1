"""Client metadata (RFC 7591 §2): read from a registration request, checked by the same policy
as the command line, and rendered as the client information response (RFC 7591 §3.2.1)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from auth_server.clients.policy import ClientPolicyError, RedirectUriError, new_client
from auth_server.clients.registry import (
    AUTHORIZATION_CODE,
    NONE,
    PRIVATE_KEY_JWT,
    SECRET_BASIC,
    Client,
    NewClient,
)
from auth_server.scopes import format_scope
from shared.errors import OAuthError

MAX_REDIRECT_URIS = 20
MAX_URI_LENGTH = 2000
UNNAMED = "unnamed client"
CODE = "code"


class InvalidRedirectUri(OAuthError):
    """RFC 7591 §3.2.2: one or more redirect URIs are invalid."""

    error = "invalid_redirect_uri"


class InvalidClientMetadata(OAuthError):
    """RFC 7591 §3.2.2: a metadata field is invalid, or fields contradict each other."""

    error = "invalid_client_metadata"


def _strings(body: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """An array of strings, None when absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        error = InvalidRedirectUri if name == "redirect_uris" else InvalidClientMetadata
        raise error(f"{name} must be an array of strings")
    return tuple(dict.fromkeys(value))


def _string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidClientMetadata(f"{name} must be a string")
    return value


def _redirect_uris(body: dict[str, Any]) -> tuple[str, ...]:
    uris = _strings(body, "redirect_uris") or ()
    if len(uris) > MAX_REDIRECT_URIS or any(len(uri) > MAX_URI_LENGTH for uri in uris):
        raise InvalidRedirectUri(
            f"at most {MAX_REDIRECT_URIS} redirect URIs of {MAX_URI_LENGTH} characters each"
        )
    return uris


def _grant_and_response_types(body: dict[str, Any], supported: Collection[str]) -> tuple[str, ...]:
    """RFC 7591 §2.1: grant_types (default authorization_code) and response_types agree."""
    grants = _strings(body, "grant_types")
    if grants is None:
        grants = (AUTHORIZATION_CODE,)
    if not grants:
        raise InvalidClientMetadata("grant_types must name at least one grant type")
    unsupported = [grant for grant in grants if grant not in supported]
    if unsupported:
        raise InvalidClientMetadata(f"unsupported grant_types: {' '.join(unsupported)}")
    responses = _strings(body, "response_types")
    if responses is None:
        responses = (CODE,) if AUTHORIZATION_CODE in grants else ()
    if any(response != CODE for response in responses):
        raise InvalidClientMetadata("the only supported response_type is 'code'")
    if (CODE in responses) != (AUTHORIZATION_CODE in grants):
        raise InvalidClientMetadata(
            "response_type 'code' and grant type 'authorization_code' go together"
        )
    return grants


def parse_metadata(
    body: dict[str, Any], *, server_scopes: tuple[str, ...], grant_types: Collection[str]
) -> NewClient:
    """The client a registration asks for; unknown fields are ignored (RFC 7591 §2)."""
    keys = body.get("jwks") is not None or body.get("jwks_uri") is not None
    method = _string(body, "token_endpoint_auth_method") or (
        PRIVATE_KEY_JWT if keys else SECRET_BASIC
    )
    dpop_bound = body.get("dpop_bound_access_tokens", False)
    if not isinstance(dpop_bound, bool):  # RFC 9449 §5.2
        raise InvalidClientMetadata("dpop_bound_access_tokens must be a boolean")
    scope = _string(body, "scope")
    grants = _grant_and_response_types(body, grant_types)
    redirect_uris = _redirect_uris(body)
    try:
        return new_client(
            name=_string(body, "client_name") or UNNAMED,
            grant_types=grants,
            scope=tuple(name for name in (scope or "").split(" ") if name),
            redirect_uris=redirect_uris,
            public=method == NONE,
            token_endpoint_auth_method=method,
            server_scopes=server_scopes,
            dpop_bound=dpop_bound,
            jwks=body.get("jwks"),
            jwks_uri=_string(body, "jwks_uri"),
        )
    except RedirectUriError as exc:
        raise InvalidRedirectUri(str(exc)) from None
    except ClientPolicyError as exc:
        raise InvalidClientMetadata(str(exc)) from None


def client_information(client: Client, registration_client_uri: str) -> dict[str, Any]:
    """RFC 7591 §3.2.1 and RFC 7592 §3, without the secrets (the caller adds those it has)."""
    info: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": client.created_at,
        "client_name": client.client_name,
        "redirect_uris": list(client.redirect_uris),
        "grant_types": list(client.grant_types),
        "response_types": [CODE] if AUTHORIZATION_CODE in client.grant_types else [],
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "scope": format_scope(client.scope),
        "registration_client_uri": registration_client_uri,
        "dpop_bound_access_tokens": client.dpop_bound,
    }
    if client.jwks is not None:
        info["jwks"] = json.loads(client.jwks)
    if client.jwks_uri is not None:
        info["jwks_uri"] = client.jwks_uri
    if client.secret_digest is not None:
        info["client_secret_expires_at"] = 0  # RFC 7591 §3.2.1: 0 means it never expires
    return info
