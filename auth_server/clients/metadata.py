"""Client metadata (RFC 7591 §2): read from a registration request, checked by the same policy
as the command line, and rendered as the client information response (RFC 7591 §3.2.1)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from auth_server.clients.policy import (
    ClientPolicyError,
    RedirectUriError,
    check_redirect_uri,
    new_client,
)
from auth_server.clients.registry import (
    AUTHORIZATION_CODE,
    DEVICE_CODE,
    NONE,
    OPEN_REGISTRATION,
    PRIVATE_KEY_JWT,
    REFRESH_TOKEN,
    REGISTRATION,
    SECRET_BASIC,
    SELF_DECLARED,
    Client,
    NewClient,
)
from auth_server.scopes import format_scope
from shared.errors import OAuthError

MAX_REDIRECT_URIS = 20
MAX_URI_LENGTH = 2000
UNNAMED = "unnamed client"
CODE = "code"
# SPEC "Open registration": what a client nobody vouches for may use; never client_credentials.
SELF_DECLARED_GRANTS = frozenset({AUTHORIZATION_CODE, REFRESH_TOKEN, DEVICE_CODE})


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


def _post_logout_redirect_uris(body: dict[str, Any]) -> tuple[str, ...]:
    """OpenID RP-Initiated Logout 1.0 §3.1: where the client may be sent after logout."""
    uris = _strings(body, "post_logout_redirect_uris") or ()
    if len(uris) > MAX_REDIRECT_URIS or any(len(uri) > MAX_URI_LENGTH for uri in uris):
        raise InvalidClientMetadata(
            f"at most {MAX_REDIRECT_URIS} post_logout_redirect_uris of {MAX_URI_LENGTH} characters"
        )
    try:
        return tuple(check_redirect_uri(uri) for uri in uris)
    except RedirectUriError as exc:
        raise InvalidClientMetadata(f"post_logout_redirect_uris: {exc}") from None


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


def _self_declared_grants(grants: tuple[str, ...]) -> None:
    """SPEC: an anonymous or metadata-document client gets the user-facing grants only."""
    refused = [grant for grant in grants if grant not in SELF_DECLARED_GRANTS]
    if refused:
        raise InvalidClientMetadata(
            f"grant types {' '.join(refused)} need a client registered by the operator"
        )


def parse_metadata(
    body: dict[str, Any],
    *,
    server_scopes: tuple[str, ...],
    grant_types: Collection[str],
    source: str = REGISTRATION,
) -> NewClient:
    """The client a registration asks for; unknown fields are ignored (RFC 7591 §2)."""
    keys = body.get("jwks") is not None or body.get("jwks_uri") is not None
    method = _string(body, "token_endpoint_auth_method") or (
        PRIVATE_KEY_JWT if keys else SECRET_BASIC
    )
    dpop_bound = body.get("dpop_bound_access_tokens", False)
    if not isinstance(dpop_bound, bool):  # RFC 9449 §5.2
        raise InvalidClientMetadata("dpop_bound_access_tokens must be a boolean")
    scope = tuple(name for name in (_string(body, "scope") or "").split(" ") if name)
    grants = _grant_and_response_types(body, grant_types)
    if source == OPEN_REGISTRATION and body.get("jwks_uri") is not None:
        # Fetching a URL anyone registered, from inside the deployment, is an SSRF; metadata
        # documents' key sets go through their guard (clients/documents/), these have none.
        raise InvalidClientMetadata("an anonymous client gives its keys as jwks, not jwks_uri")
    if source in SELF_DECLARED:
        _self_declared_grants(grants)
        # RFC 7591 §2: with no scope asked, the server picks: here, every scope it has, of
        # which the person grants what the consent page shows.
        scope = scope or server_scopes
    redirect_uris = _redirect_uris(body)
    logout_uris = _post_logout_redirect_uris(body)
    try:
        new = new_client(
            name=_string(body, "client_name") or UNNAMED,
            grant_types=grants,
            scope=scope,
            redirect_uris=redirect_uris,
            public=method == NONE,
            token_endpoint_auth_method=method,
            post_logout_redirect_uris=logout_uris,
            server_scopes=server_scopes,
            dpop_bound=dpop_bound,
            jwks=body.get("jwks"),
            jwks_uri=_string(body, "jwks_uri"),
        )
    except RedirectUriError as exc:
        raise InvalidRedirectUri(str(exc)) from None
    except ClientPolicyError as exc:
        raise InvalidClientMetadata(str(exc)) from None
    return replace(new, source=source)


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
    if client.post_logout_redirect_uris:
        info["post_logout_redirect_uris"] = list(client.post_logout_redirect_uris)
    if client.jwks is not None:
        info["jwks"] = json.loads(client.jwks)
    if client.jwks_uri is not None:
        info["jwks_uri"] = client.jwks_uri
    if client.secret_digest is not None:
        info["client_secret_expires_at"] = 0  # RFC 7591 §3.2.1: 0 means it never expires
    return info
