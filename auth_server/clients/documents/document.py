"""What a client metadata document must say (draft-ietf-oauth-client-id-metadata-document
§4.1): its `client_id` is its own URL, exactly; it holds no shared secret, so it authenticates
with nothing or with its own keys (private_key_jwt: `jwks`, or a `jwks_uri` the guard allows);
and the rest is checked as an anonymous registration would be (clients/metadata.py)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from auth_server.clients.documents.guard import DocumentRefused, check_fetch_url
from auth_server.clients.metadata import parse_metadata
from auth_server.clients.registry import METADATA_DOCUMENT, NONE, PRIVATE_KEY_JWT, NewClient
from shared.errors import OAuthError

# The draft §4.1 and SPEC: no shared secret, so `none` or `private_key_jwt`.
DOCUMENT_AUTH_METHODS = (NONE, PRIVATE_KEY_JWT)
SECRET_FIELDS = ("client_secret", "client_secret_expires_at")


def client_from_document(
    url: str,
    document: dict[str, Any],
    *,
    server_scopes: tuple[str, ...],
    grant_types: Collection[str],
    mode: str,
) -> NewClient:
    """The client a document describes, or DocumentRefused saying why it cannot be one;
    `mode` (`https` or `any`) is the guard's, which its `jwks_uri` must pass too."""
    if document.get("client_id") != url:
        raise DocumentRefused("its client_id is not exactly the URL it was fetched from")
    if any(name in document for name in SECRET_FIELDS):
        raise DocumentRefused("it holds a client secret, which a public document cannot")
    method = document.get("token_endpoint_auth_method", NONE)
    if method not in DOCUMENT_AUTH_METHODS:
        raise DocumentRefused(
            f"token_endpoint_auth_method must be {' or '.join(DOCUMENT_AUTH_METHODS)}"
        )
    body = {**document, "token_endpoint_auth_method": method}
    try:
        # RFC 7523 §2.2 as for registration: private_key_jwt with usable public keys in
        # `jwks` or a `jwks_uri`, never both, never neither (clients/policy.py).
        new = parse_metadata(
            body, server_scopes=server_scopes, grant_types=grant_types, source=METADATA_DOCUMENT
        )
    except OAuthError as exc:
        raise DocumentRefused(f"{exc.error}: {exc.description}") from None
    if new.jwks_uri is not None:
        try:
            check_fetch_url(new.jwks_uri, mode)
        except DocumentRefused as exc:
            raise DocumentRefused(f"its jwks_uri: {exc}") from None
    return new
