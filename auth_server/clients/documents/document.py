"""What a client metadata document must say (draft-ietf-oauth-client-id-metadata-document
§4.1): its `client_id` is its own URL, exactly; it holds no shared secret; and the rest is
checked as an anonymous registration would be (clients/metadata.py)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from auth_server.clients.documents.guard import DocumentRefused
from auth_server.clients.metadata import parse_metadata
from auth_server.clients.registry import AUTH_METHODS, METADATA_DOCUMENT, NONE, NewClient
from shared.errors import OAuthError

PRIVATE_KEY_JWT = "private_key_jwt"
# The draft §4.1: no shared secret, so `none` or `private_key_jwt`; the second joins once
# the server serves that method (SPEC "Sender-constrained tokens ...").
DOCUMENT_AUTH_METHODS = tuple(m for m in (NONE, PRIVATE_KEY_JWT) if m in AUTH_METHODS)
SECRET_FIELDS = ("client_secret", "client_secret_expires_at")


def client_from_document(
    url: str,
    document: dict[str, Any],
    *,
    server_scopes: tuple[str, ...],
    grant_types: Collection[str],
) -> NewClient:
    """The client a document describes, or DocumentRefused saying why it cannot be one."""
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
        return parse_metadata(
            body, server_scopes=server_scopes, grant_types=grant_types, source=METADATA_DOCUMENT
        )
    except OAuthError as exc:
        raise DocumentRefused(f"{exc.error}: {exc.description}") from None
