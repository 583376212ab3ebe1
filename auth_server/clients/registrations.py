"""Dynamically registered clients (RFC 7591) and their registration access tokens (RFC 7592),
stored only as keyed digests."""

from __future__ import annotations

import secrets
import time

from auth_server.clients.registry import Client, ClientRepository, NewClient
from auth_server.signing.server_secrets import ServerSecrets
from shared.db import Database


def new_registration_access_token() -> str:
    """256 random bits, URL-safe, so it can be sent as a Bearer token (RFC 6750 §2.1)."""
    return secrets.token_urlsafe(32)


class Registrations:
    """Registering a client and its registration access token together, or neither."""

    def __init__(
        self, database: Database, server_secrets: ServerSecrets, clients: ClientRepository
    ) -> None:
        self._db = database
        self._secrets = server_secrets
        self._clients = clients

    async def register(self, new: NewClient) -> tuple[Client, str | None, str]:
        """Store the client; return it, its secret and its registration access token."""
        token = new_registration_access_token()
        async with self._db.transaction() as tx:
            client, secret = await self._clients.create(new, tx)
            await tx.execute(
                "INSERT INTO registration_tokens (client_id, token_digest, issued_at)"
                " VALUES ($1, $2, $3)",
                client.client_id,
                self._secrets.digest(token),
                int(time.time()),
            )
        return client, secret, token

    async def registered_itself(self, client_id: str) -> bool:
        """Whether the client came through the registration endpoint (not the operator)."""
        value = await self._db.fetchval(
            "SELECT 1 FROM registration_tokens WHERE client_id = $1", client_id
        )
        return value is not None

    async def client_id_of(self, token: str) -> str | None:
        """The client a registration access token manages; None for any other string."""
        value = await self._db.fetchval(
            "SELECT client_id FROM registration_tokens WHERE token_digest = $1",
            self._secrets.digest(token),
        )
        return None if value is None else str(value)
