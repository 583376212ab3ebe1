"""Feed entries that void every token of a deleted client or a disabled user, as the resource
server reads them: from a controllable issuer, and end to end from the real one."""

from __future__ import annotations

import base64
import dataclasses
import secrets
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port
from pytest_aiohttp import AiohttpClient, AiohttpServer

import auth_server
from auth_server.appkeys import CLIENTS
from auth_server.clients.policy import new_client
from resource_server import Settings
from resource_server.revocation import parse_page
from tests.resource_server.conftest import (
    RealIssuer,
    RSClient,
    StartRS,
    bearer,
    serve_rs,
    until,
    until_async,
    wait_ready,
)
from tests.resource_server.issuer import AUDIENCE, FEED_CLIENT_ID, FEED_CLIENT_SECRET, TestIssuer

INITIAL_TOKEN = "initial-access-token-0123456789-abcdefghij"
ONE_DATABASE = pytest.mark.parametrize("database_kind", ["sqlite"])


async def status(rs: RSClient, token: str) -> int:
    return (await rs.get("/account", headers=bearer(token))).status


@ONE_DATABASE
async def test_tokens_of_a_voided_client_or_user_are_refused(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    issuer.feed_enabled = True
    rs = await start_rs(
        revocation_poll_interval=0.1, client_id=FEED_CLIENT_ID, client_secret=FEED_CLIENT_SECRET
    )
    now = int(time.time())
    old_user, old_client = issuer.token(), issuer.token(issuer.claims(sub="u2"))
    later = issuer.token(issuer.claims(iat=now + 5))
    assert await status(rs, old_user) == 200  # verified, now cached
    issuer.revocations.append({"sub": "user-1", "issued_before": now, "exp": now + 600})
    issuer.revocations.append({"client_id": "client-1", "issued_before": now - 60, "exp": now})
    await until(lambda: len(issuer.feed_cursors) >= 3)
    assert await status(rs, old_user) == 401
    assert await status(rs, later) == 200, "issued after the user was disabled"
    assert await status(rs, old_client) == 200, "issued after the client entry's time"


def test_feed_entries_for_subjects_are_parsed_strictly() -> None:
    body = {
        "revoked": [
            {"jti": "j", "exp": 10},
            {"client_id": "c", "issued_before": 5, "exp": 10},
            {"sub": "u", "issued_before": 5},
            {"sub": "u", "issued_before": "yesterday", "exp": 10},
            {"sub": "", "issued_before": 5, "exp": 10},
            {"issued_before": 5, "exp": 10},
        ],
        "cursor": "v1.6",
    }
    page = parse_page(body, now=100)
    assert page.revoked == (("j", 10.0),)
    assert page.voided == (("client_id", "c", 5.0, 10.0), ("sub", "u", 5.0, 86_500.0))


@pytest.fixture
async def registering_issuer(
    aiohttp_server: AiohttpServer, database_url: str, tmp_path: Path
) -> RealIssuer:
    """The real authorization server with RFC 7591 registration, on a loopback port."""
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    secret = [base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(2)]
    settings = auth_server.Settings(
        issuer=url,
        database_url=database_url,
        data_dir=tmp_path,
        default_audience=AUDIENCE,
        key_encryption_key=secret[0],
        secret_pepper=secret[1],
        registration_token=INITIAL_TOKEN,
    )
    app = auth_server.create_app(settings)
    server = await aiohttp_server(app, port=port)
    return RealIssuer(server, app, url)


async def test_a_deleted_clients_tokens_are_refused_by_resource_servers(
    aiohttp_client: AiohttpClient, database_url: str, registering_issuer: RealIssuer
) -> None:
    auth = registering_issuer
    reader, reader_secret = await auth.app[CLIENTS].create(
        new_client(name="accounts API", introspect=True, server_scopes=("read", "write"))
    )
    settings = Settings(identifier=AUDIENCE, issuer=auth.url, database_url=database_url)
    settings = dataclasses.replace(
        settings,
        revocation_poll_interval=0.1,
        client_id=reader.client_id,
        client_secret=reader_secret,
    )
    rs = await serve_rs(aiohttp_client, settings)
    await wait_ready(rs)
    async with aiohttp.ClientSession() as session:
        registered = await (
            await session.post(
                auth.url + "/register",
                json={"client_name": "service", "grant_types": ["client_credentials"]},
                headers={"Authorization": f"Bearer {INITIAL_TOKEN}"},
            )
        ).json()
        token = await auth.token(registered["client_id"], registered["client_secret"])
        bystander = await auth.token(*await auth.register())
        assert await status(rs, token) == 200
        deleted = await session.delete(
            registered["registration_client_uri"],
            headers={"Authorization": f"Bearer {registered['registration_access_token']}"},
        )
        assert deleted.status == 204
    await until_async(lambda: _refused(rs, token))
    assert await status(rs, bystander) == 200


async def _refused(rs: RSClient, token: str) -> bool:
    return await status(rs, token) == 401
