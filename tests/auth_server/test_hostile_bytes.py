"""Bytes that are not UTF-8 where text is expected (headers, cookies, form bodies): refused
in the protocol's format, never a 500. Sent over a raw socket, since HTTP clients refuse to."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import urlencode

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from tests.auth_server.browser import pkce_pair
from tests.auth_server.conftest import REDIRECT_URI, AuthClient, RegisterClient
from tests.auth_server.flows import authorize_query

REGISTRATION_TOKEN = "r" * 40


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, auth_settings: Settings) -> AuthClient:
    settings = dataclasses.replace(auth_settings, registration_token=REGISTRATION_TOKEN)
    return await aiohttp_client(create_app(settings))


async def status_of(client: AuthClient, request: bytes) -> int:
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    return int(status_line.split()[1])


async def test_non_utf8_bytes_never_crash_the_server(
    client: AuthClient, register_client: RegisterClient
) -> None:
    registered = await register_client(redirect_uris=(REDIRECT_URI,), scope=("read",))
    _, challenge = pkce_pair()
    path = "/authorize?" + urlencode(authorize_query(registered, challenge))
    form = b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n"
    requests = {
        "bearer at /register": b"POST /register HTTP/1.1\r\nHost: t\r\n"
        b"Authorization: Bearer \xff\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\n\r\n{}",
        "bearer at /register/x": b"GET /register/x HTTP/1.1\r\nHost: t\r\n"
        b"Authorization: Bearer \xff\r\n\r\n",
        "session cookie": f"GET {path} HTTP/1.1\r\nHost: t\r\n".encode()
        + b"Cookie: oauth_session=\xff\r\n\r\n",
        "browser cookie": f"GET {path} HTTP/1.1\r\nHost: t\r\n".encode()
        + b"Cookie: oauth_browser=\xff"
        + b"a" * 42
        + b"\r\n\r\n",
        "login form": f"POST {path} HTTP/1.1\r\nHost: t\r\n".encode() + form + b"\r\nusername=\xff",
    }
    for name, request in requests.items():
        status = await status_of(client, request)
        assert status < 500, name
