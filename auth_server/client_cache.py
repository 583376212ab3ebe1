"""Clients read on every token request, kept in memory between PostgreSQL notifications.

Issue 8: a client_credentials token costs one database round trip for the client, about a
third of the request's work besides the signature. Every change to a client row (secret
rotation, deletion, RFC 7592 update) fires a NOTIFY from a trigger (migration 6), and every
auth-server process listens (shared/notified_cache.py).
"""

from __future__ import annotations

from auth_server.clients import Client
from shared.db import Database
from shared.notified_cache import NotifiedCache, follow_changes

CHANNEL = "oauth_clients_changed"
MAX_ENTRIES = 10_000

ClientCache = NotifiedCache[Client]


def client_cache() -> ClientCache:
    return NotifiedCache(max_entries=MAX_ENTRIES)


async def follow_client_changes(database: Database, cache: ClientCache) -> None:
    await follow_changes(database, CHANNEL, cache)
