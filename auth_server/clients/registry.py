"""The client registry: who may ask for tokens, how they authenticate, and what they may get."""

from __future__ import annotations

import json
import time
from typing import Any

from auth_server.clients.model import (
    AUTH_METHODS,
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    DEVICE_CODE,
    GRANT_TYPES,
    METADATA_DOCUMENT,
    NONE,
    OPEN_REGISTRATION,
    OPERATOR,
    PRIVATE_KEY_JWT,
    REFRESH_TOKEN,
    REGISTRATION,
    SECRET_BASIC,
    SECRET_POST,
    SELF_DECLARED,
    Client,
    NewClient,
    new_client_id,
    new_client_secret,
)
from auth_server.scopes import format_scope
from auth_server.signing.server_secrets import ServerSecrets
from shared.db import Database, Executor
from shared.row_cache import RowCache, lookup

# What the registry stores is defined in model.py; importers may take it from here too.
__all__ = [
    "AUTHORIZATION_CODE",
    "AUTH_METHODS",
    "CLIENT_CREDENTIALS",
    "DEVICE_CODE",
    "GRANT_TYPES",
    "METADATA_DOCUMENT",
    "NONE",
    "OPEN_REGISTRATION",
    "OPERATOR",
    "PRIVATE_KEY_JWT",
    "REFRESH_TOKEN",
    "REGISTRATION",
    "SECRET_BASIC",
    "SECRET_POST",
    "SELF_DECLARED",
    "Client",
    "ClientRepository",
    "NewClient",
    "new_client_id",
    "new_client_secret",
]

_COLUMNS = (
    "client_id, client_name, secret_digest, token_endpoint_auth_method, grant_types, scope,"
    " redirect_uris, audiences, introspect, created_at, updated_at, post_logout_redirect_uris,"
    " source, dpop_bound, jwks, jwks_uri"
)


class ClientRepository:
    """Clients in the database; each method is one statement. With a cache (a server on
    PostgreSQL), `get` answers from memory until a notification says the client changed."""

    def __init__(self, database: Database, server_secrets: ServerSecrets) -> None:
        self._db = database
        self._secrets = server_secrets
        self.cache: RowCache[Client] | None = None

    async def create(self, new: NewClient, tx: Executor | None = None) -> tuple[Client, str | None]:
        """Store a client; return it with its secret in clear (shown once, never stored)."""
        keys = new.token_endpoint_auth_method == PRIVATE_KEY_JWT
        secret = None if new.public or keys else new_client_secret()
        client = _client(new_client_id(), new, secret, self._secrets)
        await (tx or self._db).execute(
            f"INSERT INTO clients ({_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            *_values(client),
        )
        return client, secret

    async def put_public(self, client_id: str, new: NewClient, tx: Executor) -> Client:
        """Create or replace a secretless client under an id it brings (a metadata document's
        URL), its keys included; its audiences and introspection right never come from `new`."""
        client = _client(client_id, new, None, self._secrets)
        await tx.execute(
            f"INSERT INTO clients ({_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            " ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name,"
            " token_endpoint_auth_method = excluded.token_endpoint_auth_method,"
            " grant_types = excluded.grant_types, scope = excluded.scope,"
            " redirect_uris = excluded.redirect_uris, updated_at = excluded.updated_at,"
            " jwks = excluded.jwks, jwks_uri = excluded.jwks_uri"
            " WHERE clients.source = excluded.source",
            *_values(client),
        )
        return client

    def forget(self, client_id: str) -> None:
        """Drop a client changed elsewhere in this process from the cache."""
        self._changed(client_id)

    async def get(self, client_id: str) -> Client | None:
        if "\x00" in client_id:  # never a client's id; PostgreSQL text cannot even hold it
            return None
        cache = self.cache
        cached, epoch = lookup(cache, client_id)
        if cached is not None:
            return cached
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM clients WHERE client_id = $1", client_id
        )
        if row is None:
            return None
        client = Client.from_row(row)
        if cache is not None:
            cache.put(client_id, client, epoch)
        return client

    def _changed(self, client_id: str) -> None:
        """This process changed a client: forget it now, not when the notification comes."""
        if self.cache is not None:
            self.cache.invalidate(client_id)

    async def list(self) -> list[Client]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM clients ORDER BY created_at, client_id"
        )
        return [Client.from_row(row) for row in rows]

    async def update(self, client_id: str, new: NewClient) -> Client | None:
        """RFC 7592 §2.2: replace what a client registered itself with; its id, secret,
        audiences and introspection right stay. None if there is no such client."""
        row = await self._db.fetchrow(
            "UPDATE clients SET client_name = $2, token_endpoint_auth_method = $3,"
            " grant_types = $4, scope = $5, redirect_uris = $6, updated_at = $7,"
            " post_logout_redirect_uris = $8, dpop_bound = $9, jwks = $10, jwks_uri = $11"
            f" WHERE client_id = $1 RETURNING {_COLUMNS}",
            client_id,
            new.client_name,
            new.token_endpoint_auth_method or (NONE if new.public else SECRET_BASIC),
            json.dumps(list(new.grant_types)),
            format_scope(new.scope),
            json.dumps(list(new.redirect_uris)),
            int(time.time()),
            json.dumps(list(new.post_logout_redirect_uris)),
            new.dpop_bound,
            new.jwks,
            new.jwks_uri,
        )
        self._changed(client_id)
        return None if row is None else Client.from_row(row)

    async def delete(self, client_id: str, tx: Executor | None = None) -> bool:
        """Delete the client; its consents, codes and refresh tokens go with it (cascade)."""
        deleted = await (tx or self._db).execute(
            "DELETE FROM clients WHERE client_id = $1", client_id
        )
        self._changed(client_id)
        return deleted == 1

    async def rotate_secret(self, client_id: str) -> str | None:
        """Replace a confidential client's secret; the old one stops working at once."""
        secret = new_client_secret()
        changed = await self._db.execute(
            "UPDATE clients SET secret_digest = $2, updated_at = $3"
            " WHERE client_id = $1 AND secret_digest IS NOT NULL",
            client_id,
            self._secrets.digest(secret),
            int(time.time()),
        )
        self._changed(client_id)
        return secret if changed == 1 else None


def _client(
    client_id: str, new: NewClient, secret: str | None, server_secrets: ServerSecrets
) -> Client:
    now = int(time.time())
    return Client(
        client_id=client_id,
        client_name=new.client_name,
        secret_digest=None if secret is None else server_secrets.digest(secret),
        token_endpoint_auth_method=new.token_endpoint_auth_method
        or (NONE if new.public else SECRET_BASIC),
        grant_types=new.grant_types,
        scope=new.scope,
        redirect_uris=new.redirect_uris,
        audiences=new.audiences,
        introspect=new.introspect,
        created_at=now,
        updated_at=now,
        post_logout_redirect_uris=new.post_logout_redirect_uris,
        source=new.source,
        dpop_bound=new.dpop_bound,
        jwks=new.jwks,
        jwks_uri=new.jwks_uri,
    )


def _values(client: Client) -> tuple[Any, ...]:
    return (
        client.client_id,
        client.client_name,
        client.secret_digest,
        client.token_endpoint_auth_method,
        json.dumps(list(client.grant_types)),
        format_scope(client.scope),
        json.dumps(list(client.redirect_uris)),
        json.dumps(list(client.audiences)),
        client.introspect,
        client.created_at,
        client.updated_at,
        json.dumps(list(client.post_logout_redirect_uris)),
        client.source,
        client.dpop_bound,
        client.jwks,
        client.jwks_uri,
    )
