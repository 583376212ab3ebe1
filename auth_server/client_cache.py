"""Clients read on every token request, kept in memory between PostgreSQL notifications.

Issue 8: a client_credentials token costs one database round trip for the client, about a
third of the request's work besides the signature. Every change to a client row (secret
rotation, deletion, RFC 7592 update, by this process, another replica or the CLI) fires a
NOTIFY from a trigger (migration 6), and every auth-server process LISTENs: the entry is
dropped within the notification's delivery, milliseconds after the change commits. While
the listening connection is down, nothing is cached, so an outage never serves a stale
client; SQLite sends no notifications, so there every request reads the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from auth_server.clients import Client
from shared.db import Database, StorageUnavailable

log = logging.getLogger(__name__)

CHANNEL = "oauth_clients_changed"
# The bound where no notification can come and the LISTEN connection still looks open (a
# network partition that TCP has not noticed yet): one read per client per this long.
TTL_SECONDS = 10.0
MAX_ENTRIES = 10_000
RETRY_FIRST, RETRY_MAX = 0.2, 5.0


class ClientCache:
    """Clients by id; every notification or loss of the listener invalidates."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[Client, float]] = {}
        # Bumped by every invalidation: a read that began before one may be stale, so it
        # is not stored (the row may have changed between the SELECT and the NOTIFY).
        self._epoch = 0
        self.live = False
        self.listener_pid: int | None = None  # the LISTEN's backend, while live

    def get(self, client_id: str) -> Client | None:
        entry = self._entries.get(client_id)
        if entry is None:
            return None
        if self._clock() >= entry[1]:
            del self._entries[client_id]
            return None
        return entry[0]

    def epoch(self) -> int:
        """Take before reading the database; give back to `put`."""
        return self._epoch

    def put(self, client: Client, epoch: int) -> None:
        if not self.live or epoch != self._epoch:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[client.client_id] = (client, self._clock() + TTL_SECONDS)

    def invalidate(self, client_id: str) -> None:
        self._epoch += 1
        self._entries.pop(client_id, None)

    def reset(self, *, live: bool) -> None:
        """Forget everything; cache from now on only if `live` (the listener is up)."""
        self._epoch += 1
        self._entries.clear()
        self.live = live


async def follow_changes(database: Database, cache: ClientCache) -> None:
    """Keep a LISTEN open for the cache's lifetime; reconnect with backoff when it drops."""
    delay = RETRY_FIRST
    while True:
        try:
            subscription = await database.subscribe(CHANNEL, cache.invalidate)
        except StorageUnavailable as exc:
            log.warning("client cache off: cannot listen for client changes: %s", exc)
        else:
            if subscription is None:
                return  # a database without notifications: the cache stays off
            try:
                # Live only once LISTEN is in force: any change after it will be heard.
                cache.reset(live=True)
                cache.listener_pid = subscription.backend_pid
                delay = RETRY_FIRST
                await subscription.lost.wait()
                log.warning("client cache off: the connection listening for changes was lost")
            finally:
                cache.reset(live=False)
                cache.listener_pid = None
                await subscription.close()
        await asyncio.sleep(delay)
        delay = min(RETRY_MAX, delay * 2)
