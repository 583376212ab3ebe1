"""Rows kept in memory for as long as the database says they have not changed.

PostgreSQL: a trigger NOTIFYs a channel with a row's key whenever the row changes, whoever
wrote it (this process, another replica, the CLI, an operator's SQL), and every process
LISTENs on a connection of its own: an entry is dropped within the notification's delivery,
milliseconds after the change commits. While the listening connection is down nothing is
cached, so an outage never serves a stale row.

SQLite: every read first asks the file's data_version, which changes with any commit by any
connection in any process (5-15 us on the event loop, far less than a query through
aiosqlite's thread). Where triggers count the changes of the cache's `channel` (a row of
`change_counts`), a moved data_version costs one read of those counters on the loop, and the
cache is dropped only when its own counter moved; elsewhere everything is dropped. Either way
a commit is seen by the next read, wherever it was made.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from shared.background import in_background
from shared.db import Database, StorageUnavailable

log = logging.getLogger(__name__)

# The bound where no notification can come and the LISTEN connection still looks open (a
# network partition that TCP has not noticed yet): one read per key per this long.
TTL_SECONDS = 10.0
RETRY_FIRST, RETRY_MAX = 0.2, 5.0

V = TypeVar("V")


class RowCache(Generic[V]):
    """Values by key, each with a size; every notification, loss of the listener or change
    of `version` invalidates. Past `max_entries` or `max_size` in all, the oldest go first."""

    def __init__(
        self,
        *,
        max_entries: int,
        max_size: int | None = None,
        version: Callable[[], int | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._version = version
        self._seen_version: int | None = None
        self._max_entries = max_entries
        self._max_size = max_size
        self._entries: dict[str, tuple[V, float, int]] = {}
        self._size = 0
        # Bumped by every invalidation: a read that began before one may be stale, so it
        # is not stored (the row may have changed between the SELECT and the NOTIFY).
        self._epoch = 0
        self.live = False
        self.listener_pid: int | None = None  # the LISTEN's backend, while live
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> V | None:
        value = self._lookup(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def _lookup(self, key: str) -> V | None:
        if self._version is not None:
            version = self._version()
            if version is None or version != self._seen_version:
                self._seen_version = version
                self.invalidate("")
                return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() >= entry[1]:
            self._drop(key)
            return None
        return entry[0]

    def epoch(self) -> int:
        """Take before reading the database; give back to `put`."""
        return self._epoch

    def put(self, key: str, value: V, epoch: int, size: int = 1) -> None:
        """Keep `value` unless an invalidation came since `epoch` or the listener is down."""
        if not self.live or epoch != self._epoch:
            return
        if self._max_size is not None and size > self._max_size:
            return
        self._drop(key)
        while self._entries and (
            len(self._entries) >= self._max_entries
            or (self._max_size is not None and self._size + size > self._max_size)
        ):
            self._drop(next(iter(self._entries)))
        self._entries[key] = (value, self._clock() + TTL_SECONDS, size)
        self._size += size

    def invalidate(self, key: str) -> None:
        """Drop `key`; an empty key (never a row's) drops every entry, as for a TRUNCATE."""
        self._epoch += 1
        if key:
            self._drop(key)
        else:
            self._entries.clear()
            self._size = 0

    def reset(self, *, live: bool) -> None:
        """Forget everything; cache from now on only if `live` (the listener is up)."""
        self._epoch += 1
        self._entries.clear()
        self._size = 0
        self.live = live

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= entry[2]


def lookup(cache: RowCache[V] | None, key: str) -> tuple[V, int] | tuple[None, int]:
    """The cached value, or None and the epoch to give `put` once the database was read
    (no cache: None and 0)."""
    if cache is None:
        return None, 0
    value = cache.get(key)  # nothing while the database cannot tell of changes
    if value is None:
        return None, cache.epoch()
    return value, 0


async def follow_changes(database: Database, channel: str, cache: RowCache[Any]) -> None:
    """Keep a LISTEN on `channel` open for the cache's lifetime; reconnect with backoff when
    it drops. Each notification's payload is the key that changed, or empty for all."""
    delay = RETRY_FIRST
    while True:
        try:
            subscription = await database.subscribe(channel, cache.invalidate)
        except StorageUnavailable as exc:
            log.warning("cache of %s off: cannot listen: %s", channel, exc)
        else:
            if subscription is None:
                return  # a database without notifications: the cache stays off
            try:
                # Live only once LISTEN is in force: any change after it will be heard.
                cache.reset(live=True)
                cache.listener_pid = subscription.backend_pid
                delay = RETRY_FIRST
                await subscription.lost.wait()
                log.warning("cache of %s off: the listening connection was lost", channel)
            finally:
                cache.reset(live=False)
                cache.listener_pid = None
                await subscription.close()
        await asyncio.sleep(delay)
        delay = min(RETRY_MAX, delay * 2)


@asynccontextmanager
async def cached_rows(
    database: Database, channel: str, *, max_entries: int, max_size: int | None = None
) -> AsyncIterator[RowCache[Any] | None]:
    """While the block runs, a cache kept true by `database`: PostgreSQL's notifications on
    `channel`, or SQLite's data_version; None where it offers neither (SQLite in memory)."""
    if database.dialect == "postgresql":
        cache: RowCache[Any] = RowCache(max_entries=max_entries, max_size=max_size)
        async with in_background(follow_changes(database, channel, cache)):
            yield cache
    elif database.data_version() is not None:
        version = functools.partial(database.change_count, channel)
        cache = RowCache(max_entries=max_entries, max_size=max_size, version=version)
        cache.reset(live=True)
        yield cache
    else:
        yield None
