"""Attempt counting for every throttle (failed sign-ins, failed client authentication, wrong
user codes, registrations): "count this key in this window, tell me if it is over the limit
and when to retry", kept in the database so that it holds across workers and replicas.

Counting is one upsert that returns the new count, so parallel attempts cannot slip past the
limit between a check and a count. Two ways to use it:
- Costly checks (passwords, user codes): count the attempt (`attempt`) before checking it, and
  give it back (`give_back`) when it succeeds, so a correct password uses up no allowance.
- Checks that cost microseconds (a client secret's keyed digest): check first but answer only
  after the database has spoken: a failure is counted (`attempt`) and answered by the count it
  gets back, so failures are never answered past the limit; a success asks for the count
  (`standing`) and is refused once the failures have used up the allowance. The count comes
  from a cache that the database's change notifications keep true, so a success costs no
  query; failures counted by other processes in the last milliseconds (the notification's
  delivery) are not yet seen by it. A burst of right secrets never counts against itself.
Windows are fixed: the first attempt opens one, and its count restarts once it has expired.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.db import Database
from shared.row_cache import RowCache, lookup

# The one table; each service that throttles creates it in its own migrations.
TABLE = """
CREATE TABLE throttle_counts (
    bucket TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL
)
"""
INDEX = "CREATE INDEX throttle_counts_expiry ON throttle_counts (expires_at)"
PRUNE = "DELETE FROM throttle_counts WHERE expires_at < $1"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `allowed` attempts per key in each window of `window` seconds."""

    name: str
    allowed: int
    window: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """One counted attempt: whether it is within the limit, and if not, when to retry."""

    bucket: str
    expires_at: int
    count: int
    allowed: bool
    retry_after: int


class Throttle:
    """The attempt counts of every limit, in the `throttle_counts` table."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = database
        self._clock = clock

    async def attempt(self, limit: Limit, key: str) -> Attempt:
        """Count one attempt of `key` under `limit` (atomically) and say whether it may go on."""
        now = int(self._clock())
        bucket = _bucket(limit, key)
        row = await self._db.fetchrow(
            "INSERT INTO throttle_counts (bucket, expires_at, attempts) VALUES ($1, $2, 1)"
            " ON CONFLICT (bucket) DO UPDATE SET"
            " attempts = CASE WHEN throttle_counts.expires_at > $3"
            "   THEN throttle_counts.attempts + 1 ELSE 1 END,"
            " expires_at = CASE WHEN throttle_counts.expires_at > $3"
            "   THEN throttle_counts.expires_at ELSE $2 END"
            " RETURNING expires_at, attempts",
            bucket,
            now + limit.window,
            now,
        )
        assert row is not None  # an upsert with RETURNING always returns its row
        expires_at, count = int(row["expires_at"]), int(row["attempts"])
        allowed = count <= limit.allowed
        retry_after = 0 if allowed else max(1, math.ceil(expires_at - self._clock()))
        return Attempt(bucket, expires_at, count, allowed, retry_after)

    async def standing(
        self, limit: Limit, key: str, cache: RowCache[tuple[int, int]] | None = None
    ) -> Attempt:
        """Whether one more attempt of `key` would be within `limit`, counting nothing: one
        read, for a caller whose attempt already succeeded and only counts failures. With
        `cache` (kept true by the database's change notifications), most often no read."""
        now = int(self._clock())
        bucket = _bucket(limit, key)
        counted, epoch = lookup(cache, bucket)
        if counted is None:
            row = await self._db.fetchrow(
                "SELECT expires_at, attempts FROM throttle_counts WHERE bucket = $1", bucket
            )
            counted = (0, 0) if row is None else (int(row["expires_at"]), int(row["attempts"]))
            if cache is not None:
                cache.put(bucket, counted, epoch)
        expires_at, count = counted
        if expires_at <= now:  # no window open: the next attempt would open one
            return Attempt(bucket, now + limit.window, 0, True, 0)
        allowed = count < limit.allowed
        retry_after = 0 if allowed else max(1, math.ceil(expires_at - self._clock()))
        return Attempt(bucket, expires_at, count, allowed, retry_after)

    async def give_back(self, attempt: Attempt) -> None:
        """Uncount an attempt that succeeded (or was refused for another reason first)."""
        await self._db.execute(
            "UPDATE throttle_counts SET attempts = attempts - 1"
            " WHERE bucket = $1 AND expires_at = $2 AND attempts > 0",
            attempt.bucket,
            attempt.expires_at,
        )

    async def clear(self, limit: Limit, key: str) -> None:
        """Forget every attempt of `key` under `limit`."""
        await self._db.execute("DELETE FROM throttle_counts WHERE bucket = $1", _bucket(limit, key))


def _bucket(limit: Limit, key: str) -> str:
    """The row of `key` under `limit`. Keys are what callers sent (usernames, client ids, NULs
    and all), so only their digest is stored: bounded, storable, and no username at rest."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{limit.name}:{digest}"
