"""Fixtures: the real resource server on a real database, an issuer we control, and the
real authorization server on a loopback port."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, unused_port
from pytest_aiohttp import AiohttpClient, AiohttpServer

import auth_server
from auth_server.appkeys import CLIENTS
from auth_server.clients.policy import new_client
from resource_server import Settings, create_app
from shared.serve import MAX_FIELD_SIZE
from tests.dpop_proofs import ProofKey
from tests.resource_server.issuer import AUDIENCE, TestIssuer

RSClient = TestClient[web.Request, web.Application]
StartRS = Callable[..., Awaitable[RSClient]]


@pytest.fixture
async def issuer(aiohttp_server: AiohttpServer) -> TestIssuer:
    """The controllable issuer, listening on loopback."""
    test_issuer = TestIssuer()
    server = await aiohttp_server(test_issuer.app())
    test_issuer.issuer = str(server.make_url("")).rstrip("/")
    return test_issuer


@pytest.fixture
def rs_settings(database_url: str, issuer: TestIssuer) -> Settings:
    return Settings(
        identifier=AUDIENCE,
        issuer=issuer.issuer,
        database_url=database_url,
        jwks_cooldown=30,
    )


@pytest.fixture
def start_rs(aiohttp_client: AiohttpClient, rs_settings: Settings) -> StartRS:
    """Start a resource server (with settings changed as asked); wait for its keys."""

    async def start(*, wait: bool = True, **changes: Any) -> RSClient:
        client = await serve_rs(aiohttp_client, replace(rs_settings, **changes))
        if wait:
            await wait_ready(client)
        return client

    return start


@pytest.fixture
async def rs(start_rs: StartRS) -> RSClient:
    """The resource server, trusting the controllable issuer, with its keys loaded."""
    return await start_rs()


async def serve_rs(
    aiohttp_client: AiohttpClient, settings: Settings, port: int | None = None
) -> RSClient:
    """The resource server on loopback with production's header limits (shared/serve.py):
    aiohttp's 8 KiB default would refuse a large token before our own cap could answer."""
    server = TestServer(create_app(settings), port=port)
    await server.start_server(max_field_size=MAX_FIELD_SIZE, max_line_size=MAX_FIELD_SIZE)
    return cast(RSClient, await aiohttp_client(server))


async def wait_ready(client: RSClient) -> None:
    """Poll /readyz until it answers 200 (five seconds at most)."""
    await until_async(lambda: _ready(client))


async def _ready(client: RSClient) -> bool:
    return (await client.get("/readyz")).status == 200


async def until_async(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait (five seconds at most) until the asynchronous condition holds."""
    async with asyncio.timeout(5):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.02)


async def until(condition: Callable[[], bool]) -> None:
    """Wait (five seconds at most) until the condition holds."""
    async with asyncio.timeout(5):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def challenge(response: aiohttp.ClientResponse) -> dict[str, str]:
    """The parameters of a Bearer challenge (our values hold no quotes or commas)."""
    value = response.headers["WWW-Authenticate"]
    assert value.startswith("Bearer ")
    params = {}
    for part in value[len("Bearer ") :].split('", '):
        name, _, quoted = part.partition("=")
        params[name.strip()] = quoted.strip('"')
    return params


# --- the real authorization server -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RealIssuer:
    """The authorization server running on a loopback port, and how to get its tokens."""

    server: TestServer
    app: web.Application
    url: str

    async def register(self, scope: tuple[str, ...] = ("read", "write")) -> tuple[str, str]:
        """A confidential client_credentials client, through the server's own registry."""
        request = new_client(name="rs test", scope=scope, server_scopes=("read", "write"))
        client, secret = await self.app[CLIENTS].create(request)
        assert secret is not None
        return client.client_id, secret

    async def token(self, client_id: str, secret: str, scope: str | None = None) -> str:
        """An access token from the real token endpoint (client_secret_basic)."""
        form = {"grant_type": "client_credentials"}
        if scope:
            form["scope"] = scope
        # RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic.
        pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/token", data=form, headers=headers) as response,
        ):
            assert response.status == 200, await response.text()
            body = await response.json()
        return str(body["access_token"])

    async def dpop_token(self, key: ProofKey) -> str:
        """A DPoP-bound token (`cnf.jkt` of `key`) for a new client with scope `read`."""
        request = new_client(name="dpop", scope=("read",), server_scopes=("read", "write"))
        client, secret = await self.app[CLIENTS].create(request)
        headers = {
            "Authorization": aiohttp.encode_basic_auth(client.client_id, secret or ""),
            "DPoP": key.proof("POST", self.url + "/token"),
        }
        form = {"grant_type": "client_credentials"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/token", data=form, headers=headers) as response,
        ):
            body = await response.json()
        assert body["token_type"] == "DPoP", body
        return str(body["access_token"])


def _random_secret() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


async def start_issuer(
    aiohttp_server: AiohttpServer, database_url: str, tmp_path: Path, **changes: Any
) -> RealIssuer:
    """The real authorization server (settings changed as asked), its issuer URL its own
    loopback address."""
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    settings = auth_server.Settings(
        issuer=url,
        database_url=database_url,
        data_dir=tmp_path,
        key_encryption_key=_random_secret(),
        secret_pepper=_random_secret(),
        **{"default_audience": AUDIENCE, **changes},
    )
    app = auth_server.create_app(settings)
    server = await aiohttp_server(app, port=port)
    return RealIssuer(server, app, url)


@pytest.fixture
async def real_issuer(
    aiohttp_server: AiohttpServer, database_url: str, tmp_path: Path
) -> RealIssuer:
    """The real authorization server, its issuer URL its own loopback address."""
    return await start_issuer(aiohttp_server, database_url, tmp_path)


async def trusting(
    aiohttp_client: AiohttpClient,
    database_url: str,
    issuer: RealIssuer,
    identifier: str = AUDIENCE,
    port: int | None = None,
) -> RSClient:
    """The resource server trusting this real authorization server, its keys loaded."""
    settings = Settings(
        identifier=identifier, issuer=issuer.url, database_url=database_url, jwks_cooldown=0.2
    )
    client = await serve_rs(aiohttp_client, settings, port)
    await wait_ready(client)
    return client


@pytest.fixture
async def rs_real(
    aiohttp_client: AiohttpClient, database_url: str, real_issuer: RealIssuer
) -> RSClient:
    """The resource server trusting the real authorization server."""
    return await trusting(aiohttp_client, database_url, real_issuer)


@dataclass(frozen=True, slots=True)
class McpSetup:
    """Both servers as `make run` starts them for MCP clients: registration open, https
    metadata documents, and the resource server's identifier its own URL."""

    issuer: RealIssuer
    rs: RSClient
    resource: str


@pytest.fixture
def document_mode() -> str:
    """AUTH_CLIENT_ID_METADATA_DOCUMENTS as `make run` sets it; a test serving its own
    document on loopback parametrizes this to `any`."""
    return "https"


@pytest.fixture
async def mcp_setup(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    database_url: str,
    tmp_path: Path,
    document_mode: str,
) -> McpSetup:
    port = unused_port()
    resource = f"http://127.0.0.1:{port}"
    changes = {"registration": "open", "client_id_metadata_documents": document_mode}
    issuer = await start_issuer(
        aiohttp_server, database_url, tmp_path, default_audience=resource, **changes
    )
    rs = await trusting(aiohttp_client, database_url, issuer, resource, port)
    return McpSetup(issuer, rs, resource)
