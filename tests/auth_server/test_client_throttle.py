"""Failed client authentication is throttled per (client id, address), counted in the database
before any outcome is answered: 429 with Retry-After, never a lock-out from another address,
and never a busy client throttled by its own successes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import ClientSession
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENT_THROTTLE, DATABASE
from auth_server.clients.throttle import PAIR
from tests.auth_server.conftest import AuthClient, RegisterClient, Registered
from tests.conftest import record_reads


def grant(client: Registered, secret: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": secret,
    }


async def eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait (five seconds at most) until the condition holds."""
    async with asyncio.timeout(5):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.02)


@pytest.fixture
async def registered_client(register_client: RegisterClient) -> Registered:
    """A confidential client that sends its secret in the form (client_secret_post)."""
    return await register_client(token_endpoint_auth_method="client_secret_post")


async def test_a_client_failing_too_often_is_told_to_wait(
    auth_client: AuthClient, registered_client: Registered, register_client: RegisterClient
) -> None:
    assert registered_client.client_secret is not None
    for _ in range(PAIR.allowed):
        wrong = await auth_client.post("/token", data=grant(registered_client, "wrong"))
        assert wrong.status == 401
    throttled = await auth_client.post("/token", data=grant(registered_client, "wrong"))
    assert throttled.status == 429
    body = await throttled.json()
    assert body["error"] == "temporarily_unavailable"
    assert "too many failed client authentications" in body["error_description"]
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    # The pair is refused before its secret is looked at, the right one included.
    right = grant(registered_client, registered_client.client_secret)
    assert (await auth_client.post("/token", data=right)).status == 429
    # Other clients from the same address are not affected.
    other = await register_client(token_endpoint_auth_method="client_secret_post")
    assert other.client_secret is not None
    allowed = await auth_client.post("/token", data=grant(other, other.client_secret))
    assert allowed.status == 200


async def test_parallel_guesses_cannot_pass_the_limit(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    guesses = [
        auth_client.post("/token", data=grant(registered_client, f"g{n}")) for n in range(45)
    ]
    statuses = [response.status for response in await asyncio.gather(*guesses)]
    assert statuses.count(401) == PAIR.allowed
    assert statuses.count(429) == 45 - PAIR.allowed


async def test_the_right_secret_from_another_address_still_works(
    auth_client: AuthClient, registered_client: Registered, second_address: ClientSession
) -> None:
    assert registered_client.client_secret is not None
    for _ in range(PAIR.allowed + 1):
        await auth_client.post("/token", data=grant(registered_client, "wrong"))
    right = grant(registered_client, registered_client.client_secret)
    assert (await auth_client.post("/token", data=right)).status == 429
    assert (await second_address.post("/token", data=right)).status == 200


async def test_successes_are_not_counted(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    assert registered_client.client_secret is not None
    right = grant(registered_client, registered_client.client_secret)
    for _ in range(PAIR.allowed + 5):
        assert (await auth_client.post("/token", data=right)).status == 200


async def test_a_burst_of_parallel_right_secrets_is_never_throttled(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    # A backend whose workers all ask at once (a deployment starting) from one NAT address.
    assert registered_client.client_secret is not None
    right = grant(registered_client, registered_client.client_secret)
    for _ in range(2):
        burst = [auth_client.post("/token", data=right) for _ in range(3 * PAIR.allowed)]
        statuses = [response.status for response in await asyncio.gather(*burst)]
        assert statuses == [200] * (3 * PAIR.allowed)


async def test_the_count_holds_across_replicas(
    aiohttp_client: AiohttpClient,
    auth_client: AuthClient,
    auth_settings: Settings,
    registered_client: Registered,
) -> None:
    replica = await aiohttp_client(create_app(auth_settings))
    for _ in range(PAIR.allowed):
        await auth_client.post("/token", data=grant(registered_client, "wrong"))
    assert registered_client.client_secret is not None
    right = grant(registered_client, registered_client.client_secret)
    assert (await replica.post("/token", data=right)).status == 429


async def test_a_success_reads_the_count_from_memory_until_failures_change_it(
    aiohttp_client: AiohttpClient,
    auth_client: AuthClient,
    auth_settings: Settings,
    registered_client: Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert registered_client.client_secret is not None
    right = grant(registered_client, registered_client.client_secret)
    replica = await aiohttp_client(create_app(auth_settings))
    counts = replica.app[CLIENT_THROTTLE].cache
    assert counts is not None

    async def listening() -> bool:
        return counts.live  # PostgreSQL: once its LISTEN is in force

    await eventually(listening)
    reads = record_reads(replica.app[DATABASE], monkeypatch)
    for _ in range(10):
        assert (await replica.post("/token", data=right)).status == 200
    assert sum("FROM throttle_counts" in sql for sql in reads) == 1
    for _ in range(PAIR.allowed):
        await auth_client.post("/token", data=grant(registered_client, "wrong"))

    async def refused_at_the_replica() -> bool:
        return (await replica.post("/token", data=right)).status == 429

    await eventually(refused_at_the_replica)  # the other process's failures, notified
