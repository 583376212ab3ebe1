"""What a client may be registered with: pure checks shared by the CLI and registration."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from auth_server.clients import redirect_uris
from auth_server.clients.keys import ClientKeysError, check_jwks
from auth_server.clients.registry import (
    AUTH_METHODS,
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    GRANT_TYPES,
    NONE,
    PRIVATE_KEY_JWT,
    REFRESH_TOKEN,
    NewClient,
)
from shared.config import is_scope_token

MAX_NAME_LENGTH = 200
DEFAULT_SCOPE = ("read",)


class ClientPolicyError(ValueError):
    """A registration asks for something we do not allow; the message says what."""


class RedirectUriError(ClientPolicyError):
    """A redirect URI is malformed or not allowed, or one is needed and none was given."""


def check_redirect_uri(uri: str) -> str:
    """The redirect URI rules of RFC 8252 and RFC 9700 §2.1, as a policy error."""
    try:
        return redirect_uris.check_redirect_uri(uri)
    except redirect_uris.InvalidRedirectUri as exc:
        raise RedirectUriError(str(exc)) from None


def check_audience(uri: str) -> str:
    """RFC 8707 §2: a resource indicator is an absolute URI without a fragment."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc or "#" in uri or any(c.isspace() for c in uri):
        raise ClientPolicyError(f"audience must be an absolute URI without a fragment: {uri!r}")
    return uri


def default_grant_types(*, public: bool, has_redirect_uris: bool) -> tuple[str, ...]:
    """Confidential clients get client_credentials; clients with redirect URIs get the code flow."""
    grants = [] if public else [CLIENT_CREDENTIALS]
    if has_redirect_uris:
        grants += [AUTHORIZATION_CODE, REFRESH_TOKEN]
    return tuple(grants)


# Control (Cc), format (Cf: bidi overrides, zero-width joiners) and line and paragraph
# separators (Zl, Zp): a name with them can pose as another on the consent page.
_UNSHOWABLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def check_name(name: str) -> str:
    """A name shown to people: NFKC-normalised (full-width and ligature look-alikes folded),
    printable characters only (RFC 9700 §4.11: people judge a client by its name)."""
    name = unicodedata.normalize("NFKC", name).strip()
    if (
        not name
        or len(name) > MAX_NAME_LENGTH
        or any(unicodedata.category(c) in _UNSHOWABLE for c in name)
    ):
        raise ClientPolicyError(f"name must be 1 to {MAX_NAME_LENGTH} printable characters")
    return name


def check_client_keys(
    method: str | None, jwks: Any, jwks_uri: str | None
) -> tuple[str | None, str | None, str | None]:
    """RFC 7523 §2.2, RFC 7591 §2: a private_key_jwt client names its keys, by value (`jwks`)
    or by reference (`jwks_uri`), never both; keys make the method private_key_jwt."""
    if jwks is not None and jwks_uri is not None:
        raise ClientPolicyError("give jwks or jwks_uri, not both (RFC 7591 §2)")
    if jwks is None and jwks_uri is None:
        if method == PRIVATE_KEY_JWT:
            raise ClientPolicyError("private_key_jwt needs the client's jwks or jwks_uri")
        return method, None, None
    if method not in (None, PRIVATE_KEY_JWT):
        raise ClientPolicyError(
            "jwks and jwks_uri go with token_endpoint_auth_method private_key_jwt"
        )
    if jwks_uri is not None:
        parts = urlsplit(jwks_uri)
        if parts.scheme not in ("https", "http") or not parts.netloc or "#" in jwks_uri:
            raise ClientPolicyError("jwks_uri must be an absolute http(s) URL")
        return PRIVATE_KEY_JWT, None, jwks_uri
    try:
        return PRIVATE_KEY_JWT, check_jwks(jwks), None
    except ClientKeysError as exc:
        raise ClientPolicyError(str(exc)) from None


def check_auth_method(method: str, *, public: bool) -> str:
    """RFC 7591 §2: one of the methods we serve, `none` exactly for public clients."""
    if method not in AUTH_METHODS:
        raise ClientPolicyError(
            f"unsupported token_endpoint_auth_method {method!r}; use {', '.join(AUTH_METHODS)}"
        )
    if (method == NONE) != public:
        raise ClientPolicyError("token_endpoint_auth_method 'none' is for public clients only")
    return method


def check_scope(scope: tuple[str, ...], server_scopes: tuple[str, ...]) -> tuple[str, ...]:
    for name in scope:
        if not is_scope_token(name):
            raise ClientPolicyError(f"malformed scope name {name!r}")
        if name not in server_scopes:
            raise ClientPolicyError(
                f"unknown scope {name!r}; AUTH_SCOPES allows: {' '.join(server_scopes)}"
            )
    return scope


def check_grant_types(
    grant_types: tuple[str, ...], *, public: bool, redirect_uris: tuple[str, ...]
) -> tuple[str, ...]:
    for grant in grant_types:
        if grant not in GRANT_TYPES:
            raise ClientPolicyError(
                f"unknown grant type {grant!r}; known: {', '.join(GRANT_TYPES)}"
            )
    if public and CLIENT_CREDENTIALS in grant_types:
        raise ClientPolicyError("a public client cannot use client_credentials (RFC 6749 §4.4)")
    if AUTHORIZATION_CODE in grant_types and not redirect_uris:
        raise RedirectUriError("authorization_code needs at least one redirect URI")
    if not grant_types:
        raise ClientPolicyError("a client needs at least one grant type")
    return grant_types


def new_client(
    *,
    name: str,
    grant_types: tuple[str, ...] = (),
    scope: tuple[str, ...] = (),
    redirect_uris: tuple[str, ...] = (),
    audiences: tuple[str, ...] = (),
    public: bool = False,
    introspect: bool = False,
    token_endpoint_auth_method: str | None = None,
    post_logout_redirect_uris: tuple[str, ...] = (),
    server_scopes: tuple[str, ...],
    dpop_bound: bool = False,
    jwks: Any = None,
    jwks_uri: str | None = None,
) -> NewClient:
    """A registration checked against every rule, with SPEC's defaults filled in."""
    token_endpoint_auth_method, jwks_text, jwks_uri = check_client_keys(
        token_endpoint_auth_method, jwks, jwks_uri
    )
    if public and introspect:
        # RFC 7662 §4: only a client that can prove who it is may introspect others' tokens.
        raise ClientPolicyError("a public client cannot be given --introspect")
    if token_endpoint_auth_method is not None:
        check_auth_method(token_endpoint_auth_method, public=public)
    redirect_uris = tuple(dict.fromkeys(check_redirect_uri(u) for u in redirect_uris))
    # OpenID RP-Initiated Logout 1.0 §3: the same rules as redirect URIs, matched exactly.
    logout_uris = tuple(dict.fromkeys(check_redirect_uri(u) for u in post_logout_redirect_uris))
    grants = tuple(dict.fromkeys(grant_types)) or default_grant_types(
        public=public, has_redirect_uris=bool(redirect_uris)
    )
    return NewClient(
        client_name=check_name(name),
        grant_types=check_grant_types(grants, public=public, redirect_uris=redirect_uris),
        scope=check_scope(tuple(dict.fromkeys(scope)) or DEFAULT_SCOPE, server_scopes),
        redirect_uris=redirect_uris,
        audiences=tuple(dict.fromkeys(check_audience(a) for a in audiences)),
        public=public,
        introspect=introspect,
        token_endpoint_auth_method=token_endpoint_auth_method,
        post_logout_redirect_uris=logout_uris,
        dpop_bound=dpop_bound,
        jwks=jwks_text,
        jwks_uri=jwks_uri,
    )
