"""The client registry: who may ask for tokens, how they authenticate, and what they may get."""

from __future__ import annotations

import json
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from auth_server.scopes import format_scope
from auth_server.signing.server_secrets import ServerSecrets
from shared.db import Database, Executor, Row
from shared.row_cache import RowCache, lookup

CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = (CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN, DEVICE_CODE)

SECRET_BASIC = "client_secret_basic"
SECRET_POST = "client_secret_post"
NONE = "none"
PRIVATE_KEY_JWT = "private_key_jwt"
AUTH_METHODS = (SECRET_BASIC, SECRET_POST, NONE, PRIVATE_KEY_JWT)


_ID_ALPHABET = string.ascii_letters + string.digits


def new_client_id() -> str:
    """131 random bits, letters and digits only: not a secret, but not guessable either.

    No `-`: an id that began with one would read as an option on the command line
    (`client show -x...`), and operators paste these ids into commands."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def new_client_secret() -> str:
    """256 random bits, URL-safe (RFC 6749 §10.10 asks for high entropy)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Client:
    """A registered client, as stored (its secret only as a keyed digest)."""

    client_id: str
    client_name: str
    secret_digest: str | None
    token_endpoint_auth_method: str
    grant_types: tuple[str, ...]
    scope: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    audiences: tuple[str, ...]
    introspect: bool
    created_at: int
    updated_at: int
    dpop_bound: bool = False
    jwks: str | None = None
    jwks_uri: str | None = None

    @property
    def is_public(self) -> bool:
        """RFC 6749 §2.1: a client that can keep neither a secret nor a private key."""
        return self.secret_digest is None and not self.uses_keys

    @property
    def uses_keys(self) -> bool:
        """RFC 7523 §2.2: the client authenticates with a JWT signed by one of its keys."""
        return self.token_endpoint_auth_method == PRIVATE_KEY_JWT

    def allowed_audiences(self, default_audience: str) -> tuple[str, ...]:
        """The `aud` values this client may ask for; the server default when none registered."""
        return self.audiences or (default_audience,)

    def describe(self) -> dict[str, Any]:
        """The client as shown to operators: everything but its secret."""
        return {
            "client_id": self.client_id,
            "client_name": self.client_name,
            "client_type": "public" if self.is_public else "confidential",
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": list(self.grant_types),
            "scope": format_scope(self.scope),
            "redirect_uris": list(self.redirect_uris),
            "audiences": list(self.audiences),
            "introspect": self.introspect,
            "dpop_bound_access_tokens": self.dpop_bound,
            **({"jwks_uri": self.jwks_uri} if self.jwks_uri else {}),
            **({"jwks": json.loads(self.jwks)} if self.jwks else {}),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_row(cls, row: Row) -> Client:
        return cls(
            client_id=row["client_id"],
            client_name=row["client_name"],
            secret_digest=row["secret_digest"],
            token_endpoint_auth_method=row["token_endpoint_auth_method"],
            grant_types=tuple(json.loads(row["grant_types"])),
            scope=tuple(row["scope"].split()),
            redirect_uris=tuple(json.loads(row["redirect_uris"])),
            audiences=tuple(json.loads(row["audiences"])),
            introspect=bool(row["introspect"]),
            created_at=int(row["created_at"]),
            updated_at=int(row["updated_at"]),
            dpop_bound=bool(row["dpop_bound"]),
            jwks=row["jwks"],
            jwks_uri=row["jwks_uri"],
        )


@dataclass(frozen=True, slots=True)
class NewClient:
    """What a registration asks for, already checked against policy."""

    client_name: str
    grant_types: tuple[str, ...]
    scope: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    public: bool = False
    introspect: bool = False
    token_endpoint_auth_method: str | None = None
    dpop_bound: bool = False
    jwks: str | None = None
    jwks_uri: str | None = None


_COLUMNS = (
    "client_id, client_name, secret_digest, token_endpoint_auth_method, grant_types, scope,"
    " redirect_uris, audiences, introspect, created_at, updated_at, dpop_bound, jwks, jwks_uri"
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
        now = int(time.time())
        method = new.token_endpoint_auth_method or (NONE if new.public else SECRET_BASIC)
        client = Client(
            client_id=new_client_id(),
            client_name=new.client_name,
            secret_digest=None if secret is None else self._secrets.digest(secret),
            token_endpoint_auth_method=method,
            grant_types=new.grant_types,
            scope=new.scope,
            redirect_uris=new.redirect_uris,
            audiences=new.audiences,
            introspect=new.introspect,
            created_at=now,
            updated_at=now,
            dpop_bound=new.dpop_bound,
            jwks=new.jwks,
            jwks_uri=new.jwks_uri,
        )
        await (tx or self._db).execute(
            f"INSERT INTO clients ({_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            *_values(client),
        )
        return client, secret

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
            " dpop_bound = $8, jwks = $9, jwks_uri = $10"
            f" WHERE client_id = $1 RETURNING {_COLUMNS}",
            client_id,
            new.client_name,
            new.token_endpoint_auth_method or (NONE if new.public else SECRET_BASIC),
            json.dumps(list(new.grant_types)),
            format_scope(new.scope),
            json.dumps(list(new.redirect_uris)),
            int(time.time()),
            new.dpop_bound,
            new.jwks,
            new.jwks_uri,
        )
        self._changed(client_id)
        return None if row is None else Client.from_row(row)

    async def delete(self, client_id: str) -> bool:
        deleted = await self._db.execute("DELETE FROM clients WHERE client_id = $1", client_id)
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
        client.dpop_bound,
        client.jwks,
        client.jwks_uri,
    )
