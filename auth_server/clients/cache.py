"""Clients read on every token request, kept in memory while the database says they did not
change (shared/row_cache.py).

Issue 8: a client_credentials token costs one database round trip for the client, about a
third of the request's work besides the signature. On PostgreSQL every change to a client row
(secret rotation, deletion, RFC 7592 update) fires a NOTIFY from a trigger (migration 6) that
every auth-server process hears; on SQLite any commit is seen by the next read.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from auth_server.clients.registry import ClientRepository
from shared.db import Database
from shared.row_cache import cached_rows

CHANNEL = "oauth_clients_changed"
MAX_ENTRIES = 10_000


@contextlib.asynccontextmanager
async def client_caching(database: Database, clients: ClientRepository) -> AsyncIterator[None]:
    """Cache clients while the block runs, where the database tells of changes."""
    async with cached_rows(database, CHANNEL, max_entries=MAX_ENTRIES) as cache:
        clients.cache = cache
        try:
            yield
        finally:
            clients.cache = None
