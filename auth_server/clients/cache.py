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

from auth_server.clients import throttle
from auth_server.clients.registry import ClientRepository
from shared.db import Database, Migration
from shared.row_cache import cached_rows

CHANNEL = "oauth_clients_changed"
MAX_ENTRIES = 10_000


def _counted(name: str, event: str, table: str, channel: str, when: str = "") -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} {when}"
        f" BEGIN UPDATE change_counts SET changes = changes + 1 WHERE channel = '{channel}'; END"
    )


_CLIENT_AUTH = f"LIKE '{throttle.PAIR.name}:%'"

# SQLite only (PostgreSQL NOTIFYs instead, migrations 6 and 20): counters that triggers move
# whenever a cached kind of row changes, so that a refresh token's commit, say, leaves every
# cached client in place (shared/db/sqlite.py, change_count).
CHANGE_COUNTS = Migration(
    21,
    "SQLite: per-cache change counters, so that unrelated commits leave the caches in place",
    postgresql=(),
    sqlite=(
        "CREATE TABLE change_counts (channel TEXT PRIMARY KEY, changes INTEGER NOT NULL)",
        f"INSERT INTO change_counts VALUES ('{CHANNEL}', 0), ('{throttle.CHANNEL}', 0)",
        *(_counted(f"clients_counted_{e.lower()}", e, "clients", CHANNEL) for e in
          ("INSERT", "UPDATE", "DELETE")),
        _counted("client_auth_counted_insert", "INSERT", "throttle_counts", throttle.CHANNEL,
                 f"WHEN NEW.bucket {_CLIENT_AUTH}"),
        _counted("client_auth_counted_update", "UPDATE", "throttle_counts", throttle.CHANNEL,
                 f"WHEN NEW.bucket {_CLIENT_AUTH}"),
        _counted("client_auth_counted_delete", "DELETE", "throttle_counts", throttle.CHANNEL,
                 f"WHEN OLD.bucket {_CLIENT_AUTH}"),
    ),
)  # fmt: skip


@contextlib.asynccontextmanager
async def client_caching(database: Database, clients: ClientRepository) -> AsyncIterator[None]:
    """Cache clients while the block runs, where the database tells of changes."""
    async with cached_rows(database, CHANNEL, max_entries=MAX_ENTRIES) as cache:
        clients.cache = cache
        try:
            yield
        finally:
            clients.cache = None
