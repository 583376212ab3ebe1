"""Fixtures for the authorization server: the real app on a real database, and its clients."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar, TCPConnector, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, SETTINGS, USERS
from auth_server.clients.policy import new_client

AuthClient = TestClient[web.Request, web.Application]
ISSUER = "http://auth.test"
DEFAULT_AUDIENCE = "http://127.0.0.1:8001"


def random_secret() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def auth_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        issuer=ISSUER,
        database_url=database_url,
        data_dir=tmp_path,
        default_audience=DEFAULT_AUDIENCE,
        key_encryption_key=random_secret(),
        secret_pepper=random_secret(),
    )


@pytest.fixture
async def auth_client(aiohttp_client: AiohttpClient, auth_settings: Settings) -> AuthClient:
    """An HTTP client speaking to the real authorization server on loopback."""
    return await aiohttp_client(create_app(auth_settings))


@pytest.fixture
async def second_address(auth_client: AuthClient) -> AsyncIterator[ClientSession]:
    """A second HTTP client of the same server, connecting from 127.0.0.2 (loopback too), for
    what must differ by client address (throttles)."""
    connector = TCPConnector(local_addr=("127.0.0.2", 0))
    jar = CookieJar(unsafe=True)  # keep cookies for an IP-address host, as the test client does
    base_url = auth_client.make_url("/")
    async with ClientSession(base_url, connector=connector, cookie_jar=jar) as session:
        yield session


@dataclass(frozen=True)
class Registered:
    """A client as its developer holds it: id and the secret shown once."""

    client_id: str
    client_secret: str | None


RegisterClient = Callable[..., Awaitable[Registered]]


@pytest.fixture
def register_client(auth_client: AuthClient) -> RegisterClient:
    """Register a client through the server's own registry, as the CLI does."""

    async def register(**options: Any) -> Registered:
        app = auth_client.app
        options.setdefault("name", "test client")
        request = new_client(server_scopes=app[SETTINGS].scopes, **options)
        client, secret = await app[CLIENTS].create(request)
        return Registered(client.client_id, secret)

    return register


@pytest.fixture
async def registered_client(register_client: RegisterClient) -> Registered:
    """A confidential client with client_credentials and scopes read and write."""
    return await register_client(scope=("read", "write"))


REDIRECT_URI = "https://app.example/callback"
PASSWORD = "correct horse battery"


@pytest.fixture
async def user_id(auth_client: AuthClient) -> str:
    """Alice, a user who signs in with PASSWORD; her stable user id."""
    return (await auth_client.app[USERS].create("alice", PASSWORD)).user_id


@pytest.fixture
async def web_client(register_client: RegisterClient) -> Registered:
    """A confidential web app with the code flow, two redirect URIs and read and write."""
    return await register_client(
        name="Photo Printer",
        redirect_uris=(REDIRECT_URI, "https://app.example/other"),
        scope=("read", "write"),
    )
