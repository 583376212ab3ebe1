"""SQLite backend: one aiosqlite connection per process, the embedded default."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import aiosqlite

from shared.db.base import Conflict, Database, Executor, Row, StorageUnavailable

_PARAMETER = re.compile(r"\$(\d+)")
_BUSY_TIMEOUT_MS = 5000


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """`$1` -> `?1`: SQLite numbers its parameters the same way with another sigil."""
    return _PARAMETER.sub(r"?\1", sql)


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


@contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
            raise Conflict(str(exc)) from exc
        raise
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message or "unable to open" in message:
            raise StorageUnavailable(f"sqlite: {message}") from exc
        raise
    except (ValueError, sqlite3.ProgrammingError) as exc:
        if "closed" in str(exc) or "no active connection" in str(exc):
            raise StorageUnavailable(f"sqlite: {exc}") from exc
        raise


async def _enter_wal(connection: aiosqlite.Connection) -> None:
    """WAL mode, which the file keeps once set. Processes opening a new file at the same
    moment may each find it locked without the busy timeout applying: retry a while."""
    deadline = asyncio.get_running_loop().time() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.05)


class _Transaction(Executor):
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        # One trip to aiosqlite's thread, not three (execute, fetchall, close): each trip
        # waits for the event loop to let go of the GIL, which under load is most of the cost.
        with _mapped():
            rows = await self._connection.execute_fetchall(translate(sql), args)
            return list(rows)  # type: ignore[arg-type]

    async def execute(self, sql: str, *args: Any) -> int:
        with _mapped():
            async with self._connection.execute(translate(sql), args) as cursor:
                return int(cursor.rowcount)


class SQLiteDatabase(Database):
    """A single connection in autocommit mode; an asyncio lock keeps transactions whole."""

    dialect = "sqlite"

    def __init__(
        self, connection: aiosqlite.Connection, watcher: sqlite3.Connection | None = None
    ) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._statements = _Transaction(connection)
        # A second connection that never writes, used on the event loop itself: its
        # data_version changes with every commit by any other connection, ours included.
        self._watcher = watcher
        self._counted_at: int | None = None  # the data_version `_counts` were read at
        self._counts: dict[str, int] = {}

    @classmethod
    async def connect(cls, path: str) -> SQLiteDatabase:
        """Open (and create) the database file; WAL so that other processes can read."""
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                _create_private(path)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StorageUnavailable(f"sqlite: cannot open {path}: {exc}") from exc
        connection.row_factory = _dict_row  # type: ignore[assignment]
        try:
            with _mapped():
                await connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
                await _enter_wal(connection)
                await connection.execute("PRAGMA synchronous = NORMAL")
                await connection.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            # aiosqlite's worker thread is not a daemon: left open, it keeps the process alive.
            await connection.close()
            raise
        return cls(connection, None if path == ":memory:" else _open_watcher(path))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        self._refuse_inside_transaction()
        async with self._lock:
            return await self._statements.fetch(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        self._refuse_inside_transaction()
        async with self._lock:
            return await self._statements.execute(sql, *args)

    def _refuse_inside_transaction(self) -> None:
        """A statement outside the open transaction, from the task holding it, would wait
        for that transaction forever: make the mistake loud instead."""
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("inside a transaction, run statements on its executor")

    @asynccontextmanager
    async def transaction(self, *, lock: str | None = None) -> AsyncIterator[Executor]:
        # BEGIN IMMEDIATE takes the file's write lock at once, which serializes every
        # transaction across processes; that is what a named lock asks for, too.
        async with self._lock:
            with _mapped():
                await self._connection.execute("BEGIN IMMEDIATE")
            self._owner = asyncio.current_task()
            try:
                yield self._statements
                with _mapped():
                    await self._connection.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error, ValueError):
                    await self._connection.execute("ROLLBACK")
                raise
            finally:
                self._owner = None

    async def ping(self) -> None:
        await self.fetch("SELECT 1")

    def pool_stats(self) -> tuple[int, int]:
        """One connection, idle unless a statement or transaction holds it."""
        return 1, 0 if self._lock.locked() else 1

    def data_version(self) -> int | None:
        """5-15 us here (two fcntl locks and an fstat: in WAL mode a reader looks at the
        shared-memory index, not the file); with no busy timeout it never waits, and a busy
        file answers None."""
        if self._watcher is None:
            return None
        try:
            version: int = self._watcher.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None
        return version

    def change_count(self, channel: str) -> int | None:
        """The `change_counts` row of `channel` (see CHANGE_COUNTS), read on the loop only
        when data_version moved; data_version itself where the row does not exist."""
        version = self.data_version()
        if version is None or self._watcher is None:
            return None
        if version != self._counted_at:
            try:
                rows = self._watcher.execute("SELECT channel, changes FROM change_counts")
                self._counts = {str(name): int(changes) for name, changes in rows}
            except sqlite3.Error:  # no such table: a schema without counters
                self._counts = {}
            self._counted_at = version
        count = self._counts.get(channel)
        return version if count is None else count

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
        await self._connection.close()


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only (0600) unless it exists; SQLite
    gives its -wal and -shm files the same mode."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _open_watcher(path: str) -> sqlite3.Connection | None:
    """The connection behind `data_version`; None if it cannot be opened (no caching then)."""
    try:
        watcher = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        watcher.execute("PRAGMA busy_timeout = 0")
        watcher.execute("PRAGMA data_version")
    except sqlite3.Error:
        watcher.close()
        return None
    return watcher
