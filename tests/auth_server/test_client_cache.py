"""On PostgreSQL the auth server keeps clients in memory between change notifications: a
change made anywhere (another replica, the CLI, plain SQL) reaches it once committed, and
without its listener it caches nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from auth_server.appkeys import CLIENTS, SERVER_SECRETS
from auth_server.clients.registry import Client, ClientRepository
from auth_server.settings import Settings
from shared.db import open_database
from shared.row_cache import RowCache
from tests.auth_server.conftest import AuthClient, Registered
from tests.auth_server.flows import (
    status,
)

BOUND_S = 2.0  # far above the milliseconds a notification takes; a bound, not a timing


@pytest.fixture
def database_kind() -> str:
    return "postgresql"  # SQLite sends no notifications, and there nothing is cached


def cache_of(auth_client: AuthClient) -> RowCache[Client]:
    cache = auth_client.app[CLIENTS].cache
    assert cache is not None
    return cache


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> float:
    """Seconds until `check` holds; fails after BOUND_S."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > BOUND_S:
            pytest.fail(f"not within {BOUND_S} s: {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def live(auth_client: AuthClient) -> None:
    async def is_live() -> bool:
        return cache_of(auth_client).live

    await eventually(is_live, "the cache listens for changes")


async def test_clients_are_served_from_memory_until_a_notification(
    auth_client: AuthClient, registered_client: Registered, auth_settings: Settings
) -> None:
    await live(auth_client)
    assert await status(auth_client, registered_client) == 200
    sql = await asyncpg.connect(auth_settings.database_url)
    try:
        # Behind the server's back (no notification), the stored secret stops matching ...
        await sql.execute("ALTER TABLE clients DISABLE TRIGGER clients_changed")
        await sql.execute(
            "UPDATE clients SET secret_digest = 'x' WHERE client_id = $1",
            registered_client.client_id,
        )
        assert await status(auth_client, registered_client) == 200  # from memory
        # ... and the next notified change, any change, makes the server read it again.
        await sql.execute("ALTER TABLE clients ENABLE TRIGGER clients_changed")
        await sql.execute(
            "UPDATE clients SET updated_at = updated_at + 1 WHERE client_id = $1",
            registered_client.client_id,
        )
    finally:
        await sql.close()

    async def refused() -> bool:
        return await status(auth_client, registered_client) == 401

    await eventually(refused, "the notified change is read")


async def test_a_change_by_another_replica_takes_effect_here(
    auth_client: AuthClient, registered_client: Registered, auth_settings: Settings
) -> None:
    await live(auth_client)
    assert await status(auth_client, registered_client) == 200
    other_database = await open_database(auth_settings.database_url)
    other = ClientRepository(other_database, auth_client.app[SERVER_SECRETS])
    try:
        new_secret = await other.rotate_secret(registered_client.client_id)
        assert new_secret is not None

        async def old_refused() -> bool:
            return await status(auth_client, registered_client) == 401

        await eventually(old_refused, "the rotation reaches this server")
        rotated = Registered(registered_client.client_id, new_secret)
        assert await status(auth_client, rotated) == 200
        assert await other.delete(registered_client.client_id)

        async def deleted() -> bool:
            return await status(auth_client, rotated) == 401

        await eventually(deleted, "the deletion reaches this server")
    finally:
        await other_database.close()


async def test_without_its_listener_the_server_caches_nothing(
    auth_client: AuthClient, registered_client: Registered, auth_settings: Settings
) -> None:
    await live(auth_client)
    assert await status(auth_client, registered_client) == 200
    listener = cache_of(auth_client).listener_pid
    sql = await asyncpg.connect(auth_settings.database_url)
    try:
        await sql.execute("SELECT pg_terminate_backend($1)", listener)

        async def off() -> bool:
            return not cache_of(auth_client).live

        await eventually(off, "the lost listener turns the cache off")
        # A change that no listener hears: it must still count.
        await sql.execute(
            "UPDATE clients SET secret_digest = 'x' WHERE client_id = $1",
            registered_client.client_id,
        )
        assert await status(auth_client, registered_client) == 401
    finally:
        await sql.close()
    await live(auth_client)  # it listens again, on a new connection
    assert cache_of(auth_client).listener_pid not in (None, listener)
    assert await status(auth_client, registered_client) == 401
