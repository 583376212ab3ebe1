"""Two authorization-server instances on one database, as two replicas: a rotation made
elsewhere (as `keys rotate` makes it) reaches both without a restart; each publishes the new
key for the whole delay before signing with it, and both switch at the same second."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import encode_basic_auth
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, SETTINGS
from auth_server.clients.policy import new_client
from auth_server.signing.schedule import RotationPolicy
from auth_server.signing.store import Rotation
from auth_server.storage import open_storage
from tests.auth_server.conftest import AuthClient


@pytest.fixture
def fast_settings(auth_settings: Settings) -> Settings:
    """Small timings: published 1 s before signing, tokens live 5 s."""
    return dataclasses.replace(
        auth_settings, jwks_max_age=1, key_publish_delay=1, access_token_ttl=5
    )


@pytest.fixture
async def replicas(aiohttp_client: AiohttpClient, fast_settings: Settings) -> list[AuthClient]:
    return [await aiohttp_client(create_app(fast_settings)) for _ in range(2)]


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid


async def published(http: AuthClient) -> set[str]:
    response = await http.get("/jwks.json")
    assert response.headers["Cache-Control"] == "public, max-age=1"
    return {key["kid"] for key in (await response.json())["keys"]}


async def until(condition: Callable[[], Awaitable[bool]], within: float) -> float:
    """Poll until the condition holds; the seconds it took."""
    start = time.monotonic()
    async with asyncio.timeout(within):
        while True:
            if await condition():
                return time.monotonic() - start
            await asyncio.sleep(0.02)


async def rotate_elsewhere(settings: Settings, *, emergency: bool = False) -> Rotation:
    """What `auth-server keys rotate` does, from a process of its own."""
    storage = await open_storage(settings)
    try:
        if emergency:
            return await storage.keys.replace_compromised(settings.signing_alg)
        return await storage.keys.rotate(RotationPolicy.from_settings(settings))
    finally:
        await storage.database.close()


class Tokens:
    """Client-credentials tokens from either replica, and what introspection says of them."""

    def __init__(self, replicas: list[AuthClient]) -> None:
        self.replicas = replicas
        self.headers: dict[str, str] = {}

    async def register(self) -> None:
        app = self.replicas[0].app
        request = new_client(name="replicas", scope=("read",), server_scopes=app[SETTINGS].scopes)
        client, secret = await app[CLIENTS].create(request)
        self.headers = {"Authorization": encode_basic_auth(client.client_id, secret or "")}

    async def issue(self, replica: int) -> str:
        form = {"grant_type": "client_credentials"}
        response = await self.replicas[replica].post("/token", data=form, headers=self.headers)
        assert response.status == 200, await response.text()
        token: str = (await response.json())["access_token"]
        return token

    async def active(self, replica: int, token: str) -> bool:
        form = {"token": token}
        response = await self.replicas[replica].post("/introspect", data=form, headers=self.headers)
        active: bool = (await response.json())["active"]
        return active


async def test_a_rotation_reaches_every_replica_and_signs_only_after_the_delay(
    replicas: list[AuthClient], fast_settings: Settings
) -> None:
    tokens = Tokens(replicas)
    await tokens.register()
    old = kid_of(await tokens.issue(0))
    rotation = await rotate_elsewhere(fast_settings)
    new = rotation.key.kid
    assert rotation.key.signing_from >= rotation.key.created_at + fast_settings.publish_delay

    async def everywhere() -> bool:
        return all([{old, new} <= await published(http) for http in replicas])

    await until(everywhere, 3)  # each replica reloads every second
    seen = time.time()
    assert seen < rotation.key.signing_from, "published too late to test the delay"
    last_old = await tokens.issue(1)
    assert [kid_of(await tokens.issue(0)), kid_of(last_old)] == [old, old]

    async def signing_with_new() -> bool:
        return all([kid_of(await tokens.issue(i)) == new for i in (0, 1)])

    await until(signing_with_new, 4)
    assert time.time() - seen >= fast_settings.publish_delay - 0.1
    assert time.time() >= rotation.key.signing_from  # by the clock, on both replicas
    assert await published(replicas[0]) == await published(replicas[1]) == {old, new}
    assert await tokens.active(0, last_old)  # its key retired, still published


async def test_an_emergency_rotation_unpublishes_the_key_on_every_replica(
    replicas: list[AuthClient], fast_settings: Settings
) -> None:
    tokens = Tokens(replicas)
    await tokens.register()
    compromised_token = await tokens.issue(0)
    compromised = kid_of(compromised_token)
    fresh = (await rotate_elsewhere(fast_settings, emergency=True)).key.kid

    async def replaced() -> bool:
        return all([await published(http) == {fresh} for http in replicas])

    took = await until(replaced, 3)
    assert took < 2.5
    assert [kid_of(await tokens.issue(i)) for i in (0, 1)] == [fresh, fresh]
    assert compromised not in {kid_of(await tokens.issue(i)) for i in (0, 1)}
    assert not await tokens.active(1, compromised_token)  # its key is gone
