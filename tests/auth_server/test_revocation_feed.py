"""The revocation feed: revoked access tokens, paged by cursor, for resource servers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiohttp import encode_basic_auth

from auth_server.appkeys import DATABASE, REVOKED
from auth_server.tokens.revocations import EXPIRY_MARGIN, LOCK
from tests.auth_server.conftest import AuthClient, RegisterClient, Registered
from tests.auth_server.flows import endpoint
from tests.auth_server.lifecycle import basic, client_token, introspect, revoke

pytestmark = pytest.mark.usefixtures("database_kind")

INSERT = (
    "INSERT INTO revoked_access_tokens (jti, client_id, exp, revoked_at) VALUES ($1, $2, $3, $4)"
)


@pytest.fixture
async def resource_server(register_client: RegisterClient) -> Registered:
    return await register_client(name="accounts API", introspect=True)


async def poll(
    http: AuthClient, client: Registered, cursor: str | None = None
) -> tuple[int, dict[str, str], Any]:
    query = {} if cursor is None else {"after": cursor}
    response = await http.get(
        await endpoint(http, "revocation_feed_endpoint"), params=query, headers=basic(client)
    )
    assert response.content_type == "application/json"
    return response.status, dict(response.headers), await response.json()


async def entries(http: AuthClient, client: Registered, cursor: str | None = None) -> Any:
    status, headers, body = await poll(http, client, cursor)
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    assert set(body) == {"revoked", "cursor", "more"}
    assert isinstance(body["cursor"], str)
    return body


async def seed(http: AuthClient, count: int, exp: int, prefix: str = "j") -> None:
    """Deny-list entries as many revocations would leave them, in one transaction."""
    async with http.app[DATABASE].transaction() as tx:
        for n in range(count):
            await tx.execute(INSERT, f"{prefix}{n:05}", "c", exp, int(time.time()))


async def test_a_revoked_token_appears_in_the_feed(
    auth_client: AuthClient, registered_client: Registered, resource_server: Registered
) -> None:
    empty = await entries(auth_client, resource_server)
    assert (empty["revoked"], empty["more"]) == ([], False)
    token = await client_token(auth_client, registered_client)
    claims = await introspect(auth_client, registered_client, token)
    assert await revoke(auth_client, registered_client, token) == 200
    body = await entries(auth_client, resource_server, empty["cursor"])
    assert body["revoked"] == [{"jti": claims["jti"], "exp": claims["exp"]}]
    assert body["more"] is False
    again = await entries(auth_client, resource_server, body["cursor"])
    assert (again["revoked"], again["cursor"]) == ([], body["cursor"])


async def test_pages_of_1000_in_revocation_order_with_a_cursor_that_only_moves_on(
    auth_client: AuthClient, resource_server: Registered
) -> None:
    now = int(time.time())
    await seed(auth_client, 600, now + 900, prefix="a")
    await seed(auth_client, 50, now - EXPIRY_MARGIN - 1, prefix="old")  # expired: never listed
    await seed(auth_client, 600, now + 900, prefix="b")
    first = await entries(auth_client, resource_server)
    assert (len(first["revoked"]), first["more"]) == (1000, True)
    second = await entries(auth_client, resource_server, first["cursor"])
    assert (len(second["revoked"]), second["more"]) == (200, False)
    jtis = [e["jti"] for e in first["revoked"] + second["revoked"]]
    assert jtis == [f"a{n:05}" for n in range(600)] + [f"b{n:05}" for n in range(600)]
    last = await entries(auth_client, resource_server, second["cursor"])
    assert (last["revoked"], last["cursor"], last["more"]) == ([], second["cursor"], False)
    await auth_client.app[REVOKED].add(jti="late", client_id="c", exp=now + 900)
    newer = await entries(auth_client, resource_server, second["cursor"])
    assert newer["revoked"] == [{"jti": "late", "exp": now + 900}]
    assert newer["cursor"] != second["cursor"]
    # The first cursor still reads on from where it stood: nothing before it comes back.
    replay = await entries(auth_client, resource_server, first["cursor"])
    assert replay["revoked"][0]["jti"] == "b00400"


async def test_an_entry_committed_late_is_not_skipped(
    auth_client: AuthClient, resource_server: Registered, database_kind: str
) -> None:
    """PostgreSQL numbers rows at insert but commits in any order; the feed must not pass a
    revocation that is still committing elsewhere (on SQLite writers are serial anyway)."""
    if database_kind == "sqlite":
        pytest.skip("SQLite has one writer at a time; its readers wait for it")
    inserted, release = asyncio.Event(), asyncio.Event()

    async def slow_revocation() -> None:  # another replica, mid-way through revoking
        async with auth_client.app[DATABASE].transaction(lock=LOCK) as tx:
            await tx.execute(INSERT, "first", "c", int(time.time()) + 900, int(time.time()))
            inserted.set()
            await release.wait()

    slow = asyncio.create_task(slow_revocation())
    await inserted.wait()
    quick = asyncio.create_task(
        auth_client.app[REVOKED].add(jti="second", client_id="c", exp=int(time.time()) + 900)
    )
    await asyncio.sleep(0.3)
    during = await entries(auth_client, resource_server)
    release.set()
    await asyncio.gather(slow, quick)
    after = await entries(auth_client, resource_server, during["cursor"])
    seen = [e["jti"] for e in during["revoked"] + after["revoked"]]
    assert seen == ["first", "second"]


async def test_a_client_without_introspect_is_403(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    status, _, body = await poll(auth_client, registered_client)
    assert (status, body["error"]) == (403, "unauthorized_client")


@pytest.mark.parametrize("authorization", ["Basic bm9wZQ==", "Basic !!!"])
async def test_malformed_basic_credentials_are_400(
    auth_client: AuthClient, resource_server: Registered, authorization: str
) -> None:
    response = await auth_client.get("/revocations", headers={"Authorization": authorization})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


@pytest.mark.parametrize("authorization", [None, "Bearer abc"])
async def test_bad_or_missing_credentials_are_401(
    auth_client: AuthClient, resource_server: Registered, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await auth_client.get("/revocations", headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert (await response.json())["error"] == "invalid_client"


async def test_wrong_secret_and_public_clients_are_401(
    auth_client: AuthClient, resource_server: Registered, register_client: RegisterClient
) -> None:
    wrong = Registered(resource_server.client_id, "wrong")
    status, _, body = await poll(auth_client, wrong)
    assert (status, body["error"]) == (401, "invalid_client")
    spa = await register_client(public=True, redirect_uris=("https://app.example/cb",))
    response = await auth_client.get(
        "/revocations", headers={"Authorization": encode_basic_auth(spa.client_id, "")}
    )
    assert response.status == 401


@pytest.mark.parametrize(
    "query", ["after=42", "after=v1.-1", "after=v1.x", "after=v1.1&after=v1.2"]
)
async def test_a_cursor_not_handed_out_is_invalid_request(
    auth_client: AuthClient, resource_server: Registered, query: str
) -> None:
    response = await auth_client.get(f"/revocations?{query}", headers=basic(resource_server))
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"
