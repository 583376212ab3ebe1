"""On SQLite the auth server keeps clients in memory until the file's data_version says that
anyone committed anything: a rotation or deletion made anywhere counts at the next request."""

from __future__ import annotations

import pytest

from auth_server.appkeys import DATABASE, SERVER_SECRETS, USERS
from auth_server.clients.registry import ClientRepository
from auth_server.settings import Settings
from shared.db import open_database
from tests.auth_server.conftest import AuthClient, Registered
from tests.auth_server.flows import status
from tests.conftest import record_reads


@pytest.fixture
def database_kind() -> str:
    return "sqlite"


async def test_clients_are_read_once_and_a_change_elsewhere_counts_at_once(
    auth_client: AuthClient,
    registered_client: Registered,
    auth_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = record_reads(auth_client.app[DATABASE], monkeypatch)
    # Authorization requests read the client and write nothing.
    for _ in range(3):
        await auth_client.get("/authorize", params={"client_id": registered_client.client_id})
    assert sum("FROM clients" in sql for sql in reads) == 1
    text = await (await auth_client.get("/metrics")).text()
    assert 'cache_lookups_total{cache="clients",result="hit"} 2.0' in text
    other_database = await open_database(auth_settings.database_url)
    other = ClientRepository(other_database, auth_client.app[SERVER_SECRETS])
    try:
        new_secret = await other.rotate_secret(registered_client.client_id)
        assert new_secret is not None
        assert await status(auth_client, registered_client) == 401
        rotated = Registered(registered_client.client_id, new_secret)
        assert await status(auth_client, rotated) == 200
        assert await other.delete(registered_client.client_id)
        assert await status(auth_client, rotated) == 401
    finally:
        await other_database.close()


async def test_commits_to_other_tables_leave_the_cached_clients_in_place(
    auth_client: AuthClient, registered_client: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = record_reads(auth_client.app[DATABASE], monkeypatch)
    for number in range(3):
        await auth_client.get("/authorize", params={"client_id": registered_client.client_id})
        # A commit elsewhere in the file (a sign-up here; a refresh rotation, a sign-in)
        # moves data_version but not the clients' change counter.
        await auth_client.app[USERS].create(f"user{number}", "a long enough password 1")
    assert sum("FROM clients" in sql for sql in reads) == 1
