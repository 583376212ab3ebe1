"""Fixtures every test shares: a real database of each kind, fresh for each test."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from argon2 import PasswordHasher, profiles

from shared.db import Database

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _reachable(url: str) -> bool:
    async def probe() -> None:
        connection = await asyncpg.connect(url, timeout=3)
        await connection.close()

    try:
        # In a thread of its own: the caller may already be inside an event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, probe()).result()
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """TEST_DATABASE_URL, else the local server, else a container (where Docker runs)."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    if _reachable(LOCAL_POSTGRES):
        yield LOCAL_POSTGRES
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield container.get_connection_url()


def with_query(url: str, **params: str) -> str:
    """The URL with extra query parameters (asyncpg passes unknown ones as server settings)."""
    parts = urlsplit(url)
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(
    database_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A fresh, empty database of each kind: SQLite in a temporary file, PostgreSQL in a
    new schema (connections see only it) that is dropped afterwards."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    server: str = request.getfixturevalue("postgres_url")
    schema = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_query(server, search_path=schema)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


def _sqlite_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}


@pytest.fixture(autouse=True)
def no_sqlite_connection_left_open() -> Iterator[None]:
    """aiosqlite's worker threads are not daemons: one left open would hang the test run at
    exit, long after the test that leaked it. Name that test instead."""
    before = _sqlite_threads()
    yield
    for thread in _sqlite_threads() - before:
        thread.join(timeout=2)
    leaked = [t.name for t in _sqlite_threads() - before if t.is_alive()]
    assert not leaked, f"SQLite connections left open: {leaked}"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Applications built in this process hash passwords with argon2id at argon2-cffi's
    cheapest parameters: the same algorithm and code paths, without 0.2 s of CPU per hash and
    per sign-in, which was a fifth of the suite's time. Servers started as separate processes
    (the CLI, end-to-end, scale and rotation tests) keep the production parameters."""
    cheapest = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr("auth_server.signin.users.PasswordHasher", lambda: cheapest)


def record_reads(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements a server sends through `database.fetch` from now on (a recording
    wrapper around the real database, to show what a cache spared it)."""
    sent: list[str] = []
    fetch = database.fetch

    async def recorded(sql: str, *args: Any) -> Any:
        sent.append(sql)
        return await fetch(sql, *args)

    monkeypatch.setattr(database, "fetch", recorded)
    return sent
