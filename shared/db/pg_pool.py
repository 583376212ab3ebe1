"""A small pool of asyncpg connections, handed out first come, first served.

asyncpg's own pool costs about 100 us of CPU per acquire and release (a queue, a holder, and a
task per release through `asyncio.shield`), more than the query it serves on a primary-key
read, and it lets a task that just arrived take a connection that a waiting one was due. Here
a free connection is a deque pop, a release hands the connection straight to the oldest
waiter, and a connection that may hold session state (cut off or cancelled mid-query, or
left in a transaction) is closed rather than reset and reused.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

import asyncpg

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class PoolClosed(ConnectionError):
    """The pool is closed; no connection will be handed out."""


def _expire(waiter: asyncio.Future[asyncpg.Connection | None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no database connection came free in time"))


class ConnectionPool:
    """At most `max_size` connections; `min_size` opened by `start`, the rest on demand."""

    def __init__(self, connect: Connect, *, min_size: int, max_size: int) -> None:
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError("need 0 <= min_size <= max_size and max_size >= 1")
        self._connect = connect
        self._min_size = min_size
        self._max_size = max_size
        self._idle: deque[asyncpg.Connection] = deque()
        # Each waiter gets a connection, or None: a slot fell free, open a connection in it.
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._slots = 0  # connections open or being opened, idle or in use
        self._closed = False

    async def start(self) -> None:
        """Open `min_size` connections; the first failure propagates (nothing stays open)."""
        try:
            for _ in range(self._min_size):
                self._slots += 1
                try:
                    self._idle.append(await self._connect())
                except BaseException:
                    self._slots -= 1
                    raise
        except BaseException:
            await self.close()
            raise

    @property
    def size(self) -> int:
        """Connections open or being opened."""
        return self._slots

    @property
    def idle(self) -> int:
        """Connections open and not in use."""
        return len(self._idle)

    def acquire_nowait(self) -> asyncpg.Connection | None:
        """An idle connection if one is free and nobody waits for one, else None."""
        while self._idle and not self._waiters and not self._closed:
            connection = self._idle.pop()  # the most recently used: its caches are warm
            if not connection.is_closed():
                return connection
            self._slots -= 1  # the server went away while it was idle
        return None

    async def acquire(self, max_wait: float | None = None) -> asyncpg.Connection:
        """A connection: an idle one, a new one while below `max_size`, or the next one
        released, in the order callers asked; TimeoutError after `max_wait` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if max_wait is None else loop.time() + max_wait
        if self._closed:
            raise PoolClosed("the connection pool is closed")
        connection = self.acquire_nowait()
        if connection is not None:
            return connection
        if self._slots >= self._max_size or self._waiters:
            handed = await self._wait(deadline)
            if handed is not None:
                return handed
        self._slots += 1  # a free slot, or the one that fell free for us
        async with asyncio.timeout_at(deadline):
            return await self._open_in_slot()

    async def _wait(self, deadline: float | None) -> asyncpg.Connection | None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[asyncpg.Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        # A timer handle, not asyncio.timeout: this is the busy path of every request when
        # the pool is the bottleneck, and the pure-Python timeout costs several times more.
        expiry = None if deadline is None else loop.call_at(deadline, _expire, waiter)
        try:
            return await waiter
        except BaseException:
            # Cancelled after a release chose us: pass on what we were handed.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                handed = waiter.result()
                if handed is not None:
                    self.release(handed)
                else:
                    self._hand_slot()
            else:
                waiter.cancel()
            raise
        finally:
            if expiry is not None:
                expiry.cancel()

    async def _open_in_slot(self) -> asyncpg.Connection:
        try:
            return await self._connect()
        except BaseException:
            self._slots -= 1
            self._hand_slot()
            raise

    def release(self, connection: asyncpg.Connection, *, reusable: bool = True) -> None:
        """Give a connection back. Not reusable (it failed, was cancelled or is still in a
        transaction): it is closed, and its slot goes to the next waiter."""
        if not reusable or self._closed or connection.is_closed():
            if not connection.is_closed():
                connection.terminate()
            self._slots -= 1
            self._hand_slot()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _hand_slot(self) -> None:
        """A slot fell free: the oldest live waiter opens a connection in it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        """Close the idle connections now; those in use close when released."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("the connection pool is closed"))
        idle, self._idle = list(self._idle), deque()
        self._slots -= len(idle)
        for connection in idle:
            try:
                await asyncio.wait_for(connection.close(), timeout=5)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                connection.terminate()
