"""The one database interface both services use; SQL is written once with `$n` parameters."""

from __future__ import annotations

import abc
import asyncio
import hashlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

Row = dict[str, Any]


class StorageUnavailable(Exception):
    """The database cannot be reached or did not answer in time."""


class InvalidValue(Exception):
    """The database cannot take a value (PostgreSQL SQLSTATE class 22: a NUL in text, say);
    it came from the caller, so it is the caller's error, not the server's."""


class Conflict(Exception):
    """A uniqueness constraint refused the write."""


class Executor(abc.ABC):
    """Something that runs SQL: the database itself, or one open transaction."""

    @abc.abstractmethod
    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query."""

    @abc.abstractmethod
    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchrow(sql, *args)
        return next(iter(row.values())) if row else None


class Database(Executor):
    """A pool of connections to one database, with transactions."""

    dialect: ClassVar[str]

    @abc.abstractmethod
    def transaction(self, *, lock: str | None = None) -> AbstractAsyncContextManager[Executor]:
        """One transaction; with `lock`, serialized against every other holder of that name,
        across processes (an advisory lock on PostgreSQL, an immediate write lock on SQLite)."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise StorageUnavailable unless the database answers."""

    @abc.abstractmethod
    def pool_stats(self) -> tuple[int, int]:
        """(connections open, connections idle), for metrics."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close every connection."""

    def data_version(self) -> int | None:
        """Without waiting: a number that changes whenever any connection, in any process,
        commits a change (SQLite's PRAGMA data_version); None where the database keeps none,
        or cannot tell now."""
        return None

    def change_count(self, channel: str) -> int | None:
        """Without waiting: a number that changes whenever a commit changes what `channel`
        covers (SQLite: a counter that triggers keep, read again only once data_version
        moved); where no counter is kept for `channel`, `data_version`."""
        return self.data_version()

    async def subscribe(
        self, channel: str, on_message: Callable[[str], None]
    ) -> Subscription | None:
        """Hear every message sent on `channel` (PostgreSQL NOTIFY) until the subscription
        is lost or closed; None where the database sends none (SQLite)."""
        return None


class Subscription(abc.ABC):
    """A live LISTEN: `lost` is set when the connection behind it goes away."""

    lost: asyncio.Event
    backend_pid: int
    """The server process behind it, as pg_stat_activity names it."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop listening and close the connection."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a named advisory lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
