"""On SQLite the resource server keeps accounts in memory until the file's data_version says
that anyone committed anything: a write made anywhere is read by the very next GET."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from resource_server.appkeys import DATABASE
from resource_server.settings import Settings
from shared.db import sqlite_path
from tests.conftest import record_reads
from tests.resource_server.conftest import RSClient, StartRS, bearer
from tests.resource_server.issuer import TestIssuer


@pytest.fixture
def database_kind() -> str:
    return "sqlite"


@pytest.fixture
def token(issuer: TestIssuer) -> str:
    return issuer.token()


async def data(rs: RSClient, token: str) -> Any:
    response = await rs.get("/account", headers=bearer(token))
    assert response.status == 200
    return (await response.json())["data"]


async def test_a_repeated_get_reads_the_database_once(
    rs: RSClient, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await rs.put("/account", json={"v": 1}, headers=bearer(token))).status == 200
    reads = record_reads(rs.app[DATABASE], monkeypatch)
    for _ in range(5):
        assert await data(rs, token) == {"v": 1}
    assert len(reads) == 1


async def test_writes_by_another_replica_and_by_sql_are_read_at_once(
    rs: RSClient, start_rs: StartRS, token: str, rs_settings: Settings
) -> None:
    other = await start_rs()
    assert await data(rs, token) == {}
    assert (await other.put("/account", json={"v": 1}, headers=bearer(token))).status == 200
    assert await data(rs, token) == {"v": 1}
    sql = sqlite3.connect(sqlite_path(rs_settings.database_url), isolation_level=None)
    try:
        sql.execute("UPDATE resource_accounts SET data = '{\"v\": 2}'")
        assert await data(rs, token) == {"v": 2}
        sql.execute("DELETE FROM resource_accounts")
        assert await data(rs, token) == {}
    finally:
        sql.close()


async def test_metrics_count_the_hits_and_misses(rs: RSClient, token: str) -> None:
    assert (await rs.put("/account", json={"v": 1}, headers=bearer(token))).status == 200
    for _ in range(3):
        assert await data(rs, token) == {"v": 1}
    text = await (await rs.get("/metrics")).text()
    assert 'cache_lookups_total{cache="accounts",result="hit"} 2.0' in text
    assert 'cache_lookups_total{cache="accounts",result="miss"} 1.0' in text
    for _ in range(2):
        assert await data(rs, token) == {"v": 1}
    text = await (await rs.get("/metrics")).text()  # only what is new is added
    assert 'cache_lookups_total{cache="accounts",result="hit"} 4.0' in text
