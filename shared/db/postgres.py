"""PostgreSQL backend: an asyncpg pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
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
    Subscription,
    lock_key,
)
from shared.db.pg_pool import ConnectionPool

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


class _Listening(Subscription):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self.lost = asyncio.Event()
        self.backend_pid = connection.get_server_pid()
        connection.add_termination_listener(lambda _connection: self.lost.set())

    async def close(self) -> None:
        self.lost.set()
        if not self._connection.is_closed():
            try:
                await asyncio.wait_for(self._connection.close(), timeout=5)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self._connection.terminate()


class PostgresDatabase(Database):
    """A pool of asyncpg connections behind the Database interface."""

    dialect = "postgresql"

    def __init__(
        self, pool: ConnectionPool, connect: Callable[[], Awaitable[asyncpg.Connection]]
    ) -> None:
        self._pool = pool
        self._connect = connect

    @classmethod
    async def connect(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, command_timeout: float = 10.0
    ) -> PostgresDatabase:
        """Open a pool; StorageUnavailable if the server cannot be reached."""

        async def connect() -> asyncpg.Connection:
            # A server that does not answer costs a request the acquire bound, not a minute.
            connection: asyncpg.Connection = await asyncpg.connect(
                url, timeout=_ACQUIRE_TIMEOUT, command_timeout=command_timeout
            )
            return connection

        pool = ConnectionPool(connect, min_size=min_size, max_size=max_size)
        try:
            with _mapped():
                await asyncio.wait_for(pool.start(), timeout=command_timeout)
        except asyncpg.PostgresError as exc:
            # Refused at connection (no such database or role, a wrong password): unusable.
            raise StorageUnavailable(f"postgresql: {exc}") from exc
        return cls(pool, connect)

    @asynccontextmanager
    async def _acquire(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the pool, in the order requests asked; TimeoutError after the bound
        on waiting. It goes back to the pool unless it may hold session state: left in a
        transaction, or interrupted (cancelled, timed out, cut off) in the middle of a query."""
        connection = self._pool.acquire_nowait()
        if connection is None:
            connection = await self._pool.acquire(max_wait=_ACQUIRE_TIMEOUT)
        reusable = False
        try:
            yield connection
            reusable = not connection.is_in_transaction()
        except (asyncio.CancelledError, TimeoutError, OSError, asyncpg.InterfaceError):
            raise
        except BaseException:
            # The server refused a statement, or the caller gave up on its transaction (rolled
            # back by then): the connection itself is sound.
            reusable = not connection.is_in_transaction()
            raise
        finally:
            self._pool.release(connection, reusable=reusable)

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

    async def subscribe(self, channel: str, on_message: Callable[[str], None]) -> Subscription:
        """LISTEN on a connection of its own, outside the pool. PostgreSQL delivers a NOTIFY
        when its transaction commits, to every session listening at that moment."""
        with _mapped():
            connection = await self._connect()
            try:
                subscription = _Listening(connection)
                await connection.add_listener(
                    channel, lambda _c, _pid, _channel, payload: on_message(payload)
                )
            except BaseException:
                connection.terminate()
                raise
        return subscription

    def pool_stats(self) -> tuple[int, int]:
        """(connections open, connections idle)."""
        return self._pool.size, self._pool.idle

    async def close(self) -> None:
        await self._pool.close()
