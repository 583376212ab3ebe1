"""PostgreSQL backend: an asyncpg pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg

from shared.db.base import (
    Conflict,
    Database,
    Executor,
    InvalidValue,
    Row,
    StorageUnavailable,
    lock_key,
)

# SQLSTATE classes that mean "the database is not there right now", not "your SQL is wrong".
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
_ACQUIRE_TIMEOUT = 5.0


@contextmanager
def _mapped() -> Iterator[None]:
    """Turn driver errors into the storage errors callers handle."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(str(exc)) from exc
    except asyncpg.DataError as exc:  # SQLSTATE class 22
        raise InvalidValue(type(exc).__name__) from exc
    except asyncpg.PostgresError as exc:
        sqlstate = getattr(exc, "sqlstate", "") or ""
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            raise StorageUnavailable(f"postgresql: {exc}") from exc
        raise
    except (OSError, TimeoutError, asyncpg.InterfaceError) as exc:
        raise StorageUnavailable(f"postgresql: {exc or type(exc).__name__}") from exc


def _rows(records: list[asyncpg.Record]) -> list[Row]:
    return [dict(record.items()) for record in records]


def _count(status: str) -> int:
    """Rows changed, from a status string such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Connection(Executor):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _mapped():
            return _rows(await self._connection.fetch(sql, *args))

    async def execute(self, sql: str, *args: Any) -> int:
        with _mapped():
            return _count(await self._connection.execute(sql, *args))


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Release without asyncpg's default reset (`RESET ALL; UNLISTEN *; CLOSE ALL;
    pg_advisory_unlock_all()`), a round trip per query: this layer leaves no session state
    behind (its locks are transaction-scoped, it never LISTENs, SETs or holds cursors).
    asyncpg still rolls back any transaction left open before calling this."""


class PostgresDatabase(Database):
    """An asyncpg pool behind the Database interface."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, size: int) -> None:
        self._pool = pool
        # asyncpg's pool hands a released connection to whichever task asks next, so under load a
        # waiting request can lose it again and again (seconds of p99 at 64 connections). A
        # semaphore of the pool's size in front of it queues requests first come, first served
        # (asyncio's Semaphore admits no barging since Python 3.11.1).
        self._turns = asyncio.Semaphore(size)

    @classmethod
    async def connect(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, command_timeout: float = 10.0
    ) -> PostgresDatabase:
        """Open a pool; StorageUnavailable if the server cannot be reached."""
        with _mapped():
            pool = await asyncio.wait_for(
                asyncpg.create_pool(
                    url,
                    min_size=min_size,
                    max_size=max_size,
                    command_timeout=command_timeout,
                    reset=_keep_session,
                ),
                timeout=command_timeout,
            )
        return cls(pool, max_size)

    @asynccontextmanager
    async def _acquire(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the pool, in the order requests asked; TimeoutError after the bound."""
        async with asyncio.timeout(_ACQUIRE_TIMEOUT) as waiting:
            await self._turns.acquire()
            try:
                connection = await self._pool.acquire()
            except BaseException:
                self._turns.release()
                raise
            waiting.reschedule(None)  # the bound is on waiting, not on the work that follows
        try:
            yield connection
        finally:
            try:
                await self._pool.release(connection)
            finally:
                self._turns.release()

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _mapped():
            async with self._acquire() as connection:
                return _rows(await connection.fetch(sql, *args))

    async def execute(self, sql: str, *args: Any) -> int:
        with _mapped():
            async with self._acquire() as connection:
                return _count(await connection.execute(sql, *args))

    @asynccontextmanager
    async def transaction(self, *, lock: str | None = None) -> AsyncIterator[Executor]:
        with _mapped():
            async with (
                self._acquire() as connection,
                connection.transaction(),
            ):
                if lock is not None:
                    await connection.execute("SELECT pg_advisory_xact_lock($1)", lock_key(lock))
                yield _Connection(connection)

    async def ping(self) -> None:
        await self.fetch("SELECT 1")

    def pool_stats(self) -> tuple[int, int]:
        """(connections open, connections idle)."""
        return self._pool.get_size(), self._pool.get_idle_size()

    async def close(self) -> None:
        await self._pool.close()
