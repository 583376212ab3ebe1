"""The PostgreSQL connection pool, against the real server: order, bounds, and what it
does with connections that may hold state or that the server closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

import shared.db.postgres
from shared.db import StorageUnavailable, open_database
from shared.db.pg_pool import ConnectionPool, PoolClosed
from shared.db.postgres import PostgresDatabase


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[ConnectionPool]:
    opened = ConnectionPool(lambda: asyncpg.connect(postgres_url), min_size=1, max_size=1)
    await opened.start()
    yield opened
    await opened.close()


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[PostgresDatabase]:
    db = await open_database(postgres_url)
    assert isinstance(db, PostgresDatabase)
    yield db
    await db.close()


async def backend(db: PostgresDatabase) -> int:
    pid: int = await db.fetchval("SELECT pg_backend_pid()")
    return pid


async def test_waiters_are_served_in_the_order_they_asked(pool: ConnectionPool) -> None:
    held = await pool.acquire()
    served: list[int] = []

    async def ask(number: int) -> None:
        connection = await pool.acquire()
        served.append(number)
        await asyncio.sleep(0)  # the next waiter is queued behind, not racing
        pool.release(connection)

    waiters = []
    for number in range(5):
        waiters.append(asyncio.create_task(ask(number)))
        await asyncio.sleep(0)
    late = pool.acquire_nowait()  # a newcomer does not jump the queue
    assert late is None
    pool.release(held)
    await asyncio.gather(*waiters)
    assert served == [0, 1, 2, 3, 4]
    assert (pool.size, pool.idle) == (1, 1)


async def test_a_cancelled_waiter_passes_its_turn_on(pool: ConnectionPool) -> None:
    held = await pool.acquire()
    gives_up = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    stays = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    gives_up.cancel()
    pool.release(held)
    connection = await asyncio.wait_for(stays, timeout=5)
    assert connection is held
    pool.release(connection)
    assert (pool.size, pool.idle) == (1, 1)


async def test_a_waiter_cancelled_after_being_chosen_hands_the_connection_on(
    pool: ConnectionPool,
) -> None:
    held = await pool.acquire()
    chosen = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    later = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    pool.release(held)  # `chosen` is handed the connection but has not run yet
    chosen.cancel()
    assert await asyncio.wait_for(later, timeout=5) is held
    with pytest.raises(asyncio.CancelledError):
        await chosen


async def test_an_unusable_connection_is_closed_and_its_slot_reopened(
    pool: ConnectionPool,
) -> None:
    first = await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    pool.release(first, reusable=False)
    second = await asyncio.wait_for(waiting, timeout=5)
    assert first.is_closed()
    assert second is not first
    assert await second.fetchval("SELECT 1") == 1
    pool.release(second)
    assert (pool.size, pool.idle) == (1, 1)


async def test_a_failed_connect_frees_its_slot_for_the_next_caller(postgres_url: str) -> None:
    failures = [OSError("connection refused")]

    async def connect() -> asyncpg.Connection:
        if failures:
            raise failures.pop()
        return await asyncpg.connect(postgres_url)

    flaky = ConnectionPool(connect, min_size=0, max_size=1)
    with pytest.raises(OSError, match="connection refused"):
        await flaky.acquire()
    assert flaky.size == 0
    connection = await flaky.acquire()
    assert await connection.fetchval("SELECT 1") == 1
    flaky.release(connection)
    await flaky.close()


async def test_a_closed_pool_refuses_waiters_and_newcomers(pool: ConnectionPool) -> None:
    held = await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    await pool.close()
    with pytest.raises(PoolClosed):
        await waiting
    with pytest.raises(PoolClosed):
        await pool.acquire()
    pool.release(held)
    assert held.is_closed()
    assert pool.size == 0


async def test_a_connection_is_reused_after_a_rolled_back_transaction(
    database: PostgresDatabase,
) -> None:
    before = await backend(database)
    with pytest.raises(LookupError):
        async with database.transaction() as tx:
            await tx.execute("SELECT 1")
            raise LookupError("the caller gives up: rolled back")
    with pytest.raises(asyncpg.PostgresError):
        await database.fetch("SELECT no_such_column")
    assert await backend(database) == before
    assert database.pool_stats() == (1, 1)


async def test_a_query_cut_off_mid_way_costs_its_connection(
    database: PostgresDatabase,
) -> None:
    before = await backend(database)
    query = asyncio.create_task(database.fetch("SELECT pg_sleep(10)"))
    await asyncio.sleep(0.2)
    query.cancel()
    with pytest.raises(asyncio.CancelledError):
        await query
    assert await backend(database) != before


async def test_connections_the_server_closed_while_idle_are_replaced(
    database: PostgresDatabase, postgres_url: str
) -> None:
    before = await backend(database)
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", before)
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the loop sees the socket close
    assert await backend(database) != before


async def test_waiting_for_a_connection_is_bounded(
    database: PostgresDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared.db.postgres, "_ACQUIRE_TIMEOUT", 0.2)
    holders = [  # the whole pool
        asyncio.create_task(database.fetch("SELECT pg_sleep(1)")) for _ in range(10)
    ]
    await asyncio.sleep(0.1)
    with pytest.raises(StorageUnavailable):
        await database.fetch("SELECT 1")
    await asyncio.gather(*holders)


async def test_a_waiter_that_times_out_leaves_the_queue(pool: ConnectionPool) -> None:
    held = await pool.acquire()
    with pytest.raises(TimeoutError):
        await pool.acquire(max_wait=0.05)
    patient = asyncio.create_task(pool.acquire(max_wait=5))
    await asyncio.sleep(0)
    pool.release(held)
    assert await patient is held
    pool.release(held)
    assert (pool.size, pool.idle) == (1, 1)
