"""The protected accounts: one JSON object per subject.

Each process keeps the accounts it read in memory for as long as the database says they did
not change (shared/row_cache.py), so that a GET needs no database round trip (issue 8).
SQLite: a commit anywhere is seen by the next read. PostgreSQL (migration 2): a PUT is read
back at once on its own process, and elsewhere once its notification arrives, typically
within a millisecond of the commit; while the listening connection is down, every GET reads
the database.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from shared.db import Database
from shared.row_cache import RowCache, cached_rows, lookup

CHANNEL = "resource_accounts_changed"
MAX_ENTRIES = 50_000
# Characters of stored JSON held in all; the parsed objects take a few times more memory.
MAX_CACHED_TEXT = 8 * 1024 * 1024


class Accounts:
    """Each subject's stored data, read and replaced whole."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self.cache: RowCache[dict[str, Any]] | None = None

    async def get(self, subject: str) -> dict[str, Any]:
        """The subject's data; an empty object when nothing was ever stored. The object may be
        shared with other callers: do not change it."""
        cache = self.cache
        cached, epoch = lookup(cache, subject)
        if cached is not None:
            return cached
        stored = await self._db.fetchval(
            "SELECT data FROM resource_accounts WHERE subject = $1", subject
        )
        data: dict[str, Any] = {} if stored is None else json.loads(stored)
        if cache is not None:
            cache.put(subject, data, epoch, size=len(subject) + len(stored or ""))
        return data

    async def put(self, subject: str, data: dict[str, Any]) -> None:
        """Replace the subject's data in one statement, so a reader sees old or new, never half."""
        # ASCII escapes keep lone surrogates and the like storable in any TEXT column.
        encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
        try:
            await self._db.execute(
                "INSERT INTO resource_accounts (subject, data, updated_at) VALUES ($1, $2, $3)"
                " ON CONFLICT (subject) DO UPDATE"
                " SET data = excluded.data, updated_at = excluded.updated_at",
                subject,
                encoded,
                int(time.time()),
            )
        finally:
            # Read back here at once, not when the notification comes; after a failure too,
            # since a lost connection may have committed the write.
            if self.cache is not None:
                self.cache.invalidate(subject)

    @contextlib.asynccontextmanager
    async def caching(self) -> AsyncIterator[None]:
        """Cache accounts while the block runs, where the database tells of changes."""
        async with cached_rows(
            self._db, CHANNEL, max_entries=MAX_ENTRIES, max_size=MAX_CACHED_TEXT
        ) as cache:
            self.cache = cache
            try:
                yield
            finally:
                self.cache = None
