"""Throttling of wrong user codes, per client address, in fixed windows (RFC 8628 §5.1).

Every lookup is counted before it is made, in one upsert that returns the new count, so
parallel guesses from one address cannot pass the limit; a code that was right is forgiven."""

from __future__ import annotations

import time

from shared.db import Database

WINDOW = 15 * 60
LIMIT = 20


class UserCodeThrottle:
    """Counts attempts in the database, so the limit holds across workers and replicas."""

    def __init__(self, database: Database, *, limit: int = LIMIT, window: int = WINDOW) -> None:
        self._db = database
        self._limit = limit
        self._window = window

    async def attempt(self, address: str) -> int:
        """Count one attempt; return the seconds to wait when it is past the limit, else 0."""
        now = int(time.time())
        row = await self._db.fetchrow(
            "INSERT INTO device_code_attempts (address, window_start, attempts)"
            " VALUES ($1, $2, 1) ON CONFLICT (address) DO UPDATE SET"
            " attempts = CASE WHEN device_code_attempts.window_start > $3"
            "   THEN device_code_attempts.attempts + 1 ELSE 1 END,"
            " window_start = CASE WHEN device_code_attempts.window_start > $3"
            "   THEN device_code_attempts.window_start ELSE $2 END"
            " RETURNING attempts, window_start",
            address[:256],
            now,
            now - self._window,
        )
        if row is None or int(row["attempts"]) <= self._limit:  # an upsert returns its row
            return 0
        return max(1, int(row["window_start"]) + self._window - now)

    async def forgive(self, address: str) -> None:
        """Take back the attempt of a user code that was right."""
        await self._db.execute(
            "UPDATE device_code_attempts SET attempts = attempts - 1"
            " WHERE address = $1 AND attempts > 0",
            address[:256],
        )
