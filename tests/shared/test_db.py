"""The database layer, the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from shared.db import Conflict, Database, Migration, StorageUnavailable, migrate, open_database

MIGRATIONS = (
    Migration(1, "items", ("CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL)",)),
    Migration(
        2,
        "a dialect-specific column",
        postgresql=("ALTER TABLE items ADD COLUMN note TEXT DEFAULT 'pg'",),
        sqlite=("ALTER TABLE items ADD COLUMN note TEXT DEFAULT 'lite'",),
    ),
)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = await open_database(database_url)
    await migrate(db, "test", MIGRATIONS)
    yield db
    await db.close()


async def test_parameters_bind_by_number_not_position(database: Database) -> None:
    await database.execute("INSERT INTO items (n, id) VALUES ($2, $1)", "a", 7)
    row = await database.fetchrow("SELECT id, n, note FROM items WHERE id = $1", "a")
    assert row is not None
    assert (row["id"], row["n"]) == ("a", 7)
    assert row["note"] == ("pg" if database.dialect == "postgresql" else "lite")


async def test_execute_counts_changed_rows(database: Database) -> None:
    for key in "abc":
        await database.execute("INSERT INTO items (id, n) VALUES ($1, 1)", key)
    assert await database.execute("UPDATE items SET n = n + 1 WHERE id <> $1", "a") == 2
    assert await database.execute("DELETE FROM items WHERE id = $1", "zzz") == 0
    assert await database.fetchval("SELECT count(*) FROM items") == 3


async def test_failed_transaction_stores_nothing(database: Database) -> None:
    with pytest.raises(Conflict):
        async with database.transaction() as tx:
            await tx.execute("INSERT INTO items (id, n) VALUES ($1, 1)", "x")
            await tx.execute("INSERT INTO items (id, n) VALUES ($1, 2)", "x")
    assert await database.fetchval("SELECT count(*) FROM items") == 0


async def test_exception_in_transaction_rolls_back(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as tx:
            await tx.execute("INSERT INTO items (id, n) VALUES ($1, 1)", "x")
            raise RuntimeError("boom")
    assert await database.fetch("SELECT * FROM items") == []


async def test_migrations_apply_once(database: Database) -> None:
    assert await migrate(database, "test", MIGRATIONS) == []
    rows = await database.fetch(
        "SELECT version FROM schema_migrations WHERE component = $1 ORDER BY version", "test"
    )
    assert [row["version"] for row in rows] == [1, 2]


async def test_two_replicas_migrating_at_once_apply_each_step_once(database_url: str) -> None:
    first, second = await open_database(database_url), await open_database(database_url)
    try:
        migrations = (Migration(1, "t", ("CREATE TABLE race (id INTEGER PRIMARY KEY)",)),)
        results = await asyncio.gather(
            migrate(first, "race", migrations), migrate(second, "race", migrations)
        )
        assert sorted(results) == [[], [1]]
    finally:
        await first.close()
        await second.close()


async def test_named_lock_serializes_read_modify_write(database_url: str) -> None:
    databases = [await open_database(database_url) for _ in range(3)]
    await migrate(databases[0], "test", MIGRATIONS)
    await databases[0].execute("INSERT INTO items (id, n) VALUES ('counter', 0)")

    async def increment(db: Database) -> None:
        async with db.transaction(lock="counter") as tx:
            value = await tx.fetchval("SELECT n FROM items WHERE id = 'counter'")
            await asyncio.sleep(0.001)
            await tx.execute("UPDATE items SET n = $1 WHERE id = 'counter'", value + 1)

    try:
        await asyncio.gather(*(increment(db) for db in databases for _ in range(10)))
        assert await databases[0].fetchval("SELECT n FROM items WHERE id = 'counter'") == 30
    finally:
        for db in databases:
            await db.close()


async def test_unreachable_postgres_is_storage_unavailable() -> None:
    with pytest.raises(StorageUnavailable):
        await open_database("postgresql://nobody@127.0.0.1:9/none")


async def test_unopenable_sqlite_is_storage_unavailable() -> None:
    with pytest.raises(StorageUnavailable):
        await open_database("sqlite:////dev/null/cannot/be/here.db")


async def test_sqlite_data_version_changes_with_every_commit_by_anyone(database_url: str) -> None:
    mine, other = await open_database(database_url), await open_database(database_url)
    try:
        await migrate(mine, "test", MIGRATIONS)
        if mine.dialect == "postgresql":
            assert mine.data_version() is None  # PostgreSQL tells of changes by NOTIFY instead
            return
        seen = mine.data_version()
        assert seen is not None
        await mine.fetch("SELECT * FROM items")
        assert mine.data_version() == seen  # reads change nothing
        for db in (mine, other, mine):  # a commit through this database or another process's
            await db.execute("INSERT INTO items (id, n) VALUES ($1, 1)", f"i{seen}")
            assert mine.data_version() != seen
            seen = mine.data_version()
        async with other.transaction() as tx:
            await tx.execute("UPDATE items SET n = 2")
            assert mine.data_version() == seen  # not committed yet
        assert mine.data_version() != seen
    finally:
        await mine.close()
        await other.close()


async def test_sqlite_in_memory_has_no_data_version() -> None:
    db = await open_database("sqlite:///:memory:")
    try:
        assert db.data_version() is None
    finally:
        await db.close()
