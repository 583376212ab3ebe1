"""On PostgreSQL the resource server keeps accounts in memory between change notifications: a
write made anywhere (another replica, plain SQL) is read here once committed, a write made
here is read back at once, and without its listener nothing is cached."""

from __future__ import annotations

import secrets
from typing import Any

import asyncpg
import pytest

from resource_server.account import CHANNEL
from resource_server.appkeys import ACCOUNTS
from resource_server.settings import Settings
from tests.resource_server.conftest import RSClient, StartRS, bearer, until, until_async
from tests.resource_server.issuer import TestIssuer

DISABLE = "ALTER TABLE resource_accounts DISABLE TRIGGER accounts_changed"
ENABLE = "ALTER TABLE resource_accounts ENABLE TRIGGER accounts_changed"


@pytest.fixture
def database_kind() -> str:
    return "postgresql"  # SQLite sends no notifications, and there nothing is cached


@pytest.fixture
def token(issuer: TestIssuer) -> str:
    # A subject of this test's own: NOTIFY reaches every schema of the database, and tests
    # running next to this one store accounts too.
    return issuer.token(issuer.claims(sub=f"user-{secrets.token_hex(8)}"))


@pytest.fixture
async def sql(rs_settings: Settings) -> Any:
    connection = await asyncpg.connect(rs_settings.database_url)
    yield connection
    await connection.close()


async def live(rs: RSClient) -> None:
    await until(lambda: (cache := rs.app[ACCOUNTS].cache) is not None and cache.live)


async def settled(rs: RSClient, sql: asyncpg.Connection) -> None:
    """Wait until the listener has heard every change committed so far: PostgreSQL delivers
    notifications in commit order, so once a marker sent now has dropped its entry, the
    notifications of earlier writes (this server's own included) have been applied too."""
    cache = rs.app[ACCOUNTS].cache
    assert cache is not None
    marker = f"marker-{secrets.token_hex(8)}"
    cache.put(marker, {}, cache.epoch())
    await sql.execute("SELECT pg_notify($1, $2)", CHANNEL, marker)
    await until(lambda: cache.get(marker) is None)


async def data(rs: RSClient, token: str) -> Any:
    response = await rs.get("/account", headers=bearer(token))
    assert response.status == 200
    return (await response.json())["data"]


async def put(rs: RSClient, token: str, value: dict[str, Any]) -> None:
    assert (await rs.put("/account", json=value, headers=bearer(token))).status == 200


async def test_accounts_are_served_from_memory_until_a_notification(
    rs: RSClient, token: str, sql: asyncpg.Connection
) -> None:
    await live(rs)
    await put(rs, token, {"v": 1})
    await settled(rs, sql)  # the put's own notification must not land after the next read
    assert await data(rs, token) == {"v": 1}
    # Behind the server's back (no notification), the row changes ...
    await sql.execute(DISABLE)
    await sql.execute("UPDATE resource_accounts SET data = '{\"v\": 2}'")
    assert await data(rs, token) == {"v": 1}  # from memory
    # ... and the next notified change of the row, any change, makes the server read it.
    await sql.execute(ENABLE)
    await sql.execute("UPDATE resource_accounts SET updated_at = updated_at + 1")
    await until_async(lambda: _holds(rs, token, {"v": 2}))


async def _holds(rs: RSClient, token: str, expected: Any) -> bool:
    return bool(await data(rs, token) == expected)


async def test_a_write_here_is_read_back_at_once(rs: RSClient, token: str) -> None:
    await live(rs)
    assert await data(rs, token) == {}  # absence is cached too
    for n in range(5):
        await put(rs, token, {"n": n})
        assert await data(rs, token) == {"n": n}


async def test_writes_by_another_replica_and_by_sql_are_read_here(
    rs: RSClient, start_rs: StartRS, token: str, sql: asyncpg.Connection
) -> None:
    other = await start_rs()
    await live(rs)
    assert await data(rs, token) == {}
    await put(other, token, {"from": "the other replica"})
    await until_async(lambda: _holds(rs, token, {"from": "the other replica"}))
    await sql.execute("DELETE FROM resource_accounts")
    await until_async(lambda: _holds(rs, token, {}))
    await put(other, token, {"again": True})
    await until_async(lambda: _holds(rs, token, {"again": True}))
    await sql.execute("TRUNCATE resource_accounts")
    await until_async(lambda: _holds(rs, token, {}))


async def test_without_its_listener_the_server_caches_nothing(
    rs: RSClient, token: str, sql: asyncpg.Connection
) -> None:
    await live(rs)
    await put(rs, token, {"v": 1})
    assert await data(rs, token) == {"v": 1}
    cache = rs.app[ACCOUNTS].cache
    assert cache is not None
    listener = cache.listener_pid
    await sql.execute("SELECT pg_terminate_backend($1)", listener)
    await until(lambda: not cache.live)
    # A change that no notification announces: while the listener is down it still counts.
    await sql.execute(DISABLE)
    await sql.execute("UPDATE resource_accounts SET data = '{\"v\": 2}'")
    assert await data(rs, token) == {"v": 2}
    await sql.execute(ENABLE)
    await live(rs)  # it listens again, on a new connection
    assert cache.listener_pid not in (None, listener)
    assert await data(rs, token) == {"v": 2}


async def test_with_the_cache_off_every_get_reads_the_database(
    start_rs: StartRS, token: str, sql: asyncpg.Connection
) -> None:
    rs = await start_rs(account_cache=False)
    assert rs.app[ACCOUNTS].cache is None
    await put(rs, token, {"v": 1})
    assert await data(rs, token) == {"v": 1}
    await sql.execute(DISABLE)
    await sql.execute("UPDATE resource_accounts SET data = '{\"v\": 2}'")
    assert await data(rs, token) == {"v": 2}
    await sql.execute(ENABLE)
