"""Throttling of failed client authentication, per (client id, address) pair.

Client secrets are 256 random bits, so guessing is not the threat; floods are (every failed
attempt costs a lookup and a log line). Counting per client alone would let anyone lock a real
client out by failing on its behalf, and per address alone would lock out everyone behind one
proxy. A secret's check costs microseconds, so it runs first, but nothing is answered until
the database (shared by every worker and replica) has spoken: a failure is counted by one
upsert and refused with 429 once past the allowance; a success reads the count and is refused
too once the failures have used it up. Successes write nothing, so a busy client's burst of
parallel requests never throttles itself, and they read the count from memory: on PostgreSQL
a trigger (migration 20) NOTIFYs every process of each changed client-authentication count,
on SQLite any commit is seen by the next read (shared/row_cache.py). A process drops its own
failures' counts at once; another's reach it within the notification's delivery.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from shared.db import Database, Migration
from shared.errors import TooManyAttempts
from shared.row_cache import RowCache, cached_rows
from shared.throttle import Attempt, Limit, Throttle

PAIR = Limit("client-auth", allowed=30, window=60)
CHANNEL = "client_auth_counts_changed"
MAX_ENTRIES = 10_000

MIGRATION = Migration(
    20,
    "a notification for every changed client-authentication count, for the servers' caches",
    postgresql=(
        f"""
        CREATE FUNCTION notify_client_auth_count() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD.bucket ELSE NEW.bucket END;
        BEGIN
            IF changed LIKE '{PAIR.name}:%' THEN
                PERFORM pg_notify('{CHANNEL}', changed);
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER client_auth_counts_changed AFTER INSERT OR UPDATE OR DELETE
        ON throttle_counts FOR EACH ROW EXECUTE FUNCTION notify_client_auth_count()
        """,
    ),
    sqlite=(),
)


class ClientAuthThrottle:
    """Refuses a pair for the rest of the window once it has failed too often."""

    def __init__(self, throttle: Throttle, limit: Limit = PAIR) -> None:
        self._throttle = throttle
        self._limit = limit
        self.cache: RowCache[tuple[int, int]] | None = None

    async def failed(self, client_id: str, address: str) -> None:
        """Count one failure; TooManyAttempts (429) once the pair is past its allowance."""
        attempt = await self._throttle.attempt(self._limit, _key(client_id, address))
        if self.cache is not None:
            self.cache.invalidate(attempt.bucket)  # this process sees its own failures at once
        _refuse_past_limit(attempt)

    async def succeeded(self, client_id: str, address: str) -> None:
        """The client authenticated: TooManyAttempts (429) if the pair's failures have used up
        its allowance, so a right guess past the limit is never told apart from a wrong one."""
        key = _key(client_id, address)
        _refuse_past_limit(await self._throttle.standing(self._limit, key, self.cache))


@contextlib.asynccontextmanager
async def count_caching(database: Database, throttle: ClientAuthThrottle) -> AsyncIterator[None]:
    """Cache the pairs' counts while the block runs, where the database tells of changes."""
    async with cached_rows(database, CHANNEL, max_entries=MAX_ENTRIES) as cache:
        throttle.cache = cache
        try:
            yield
        finally:
            throttle.cache = None


def _key(client_id: str, address: str) -> str:
    # The address first: it has no spaces, so no two pairs share a key.
    return f"{address} {client_id}"


def _refuse_past_limit(attempt: Attempt) -> None:
    if not attempt.allowed:
        raise TooManyAttempts(
            "too many failed client authentications from this address;"
            f" retry after {attempt.retry_after} seconds",
            retry_after=attempt.retry_after,
        )
