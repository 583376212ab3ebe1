"""Disabling a user (CLI) or deleting a client (RFC 7592) ends what they hold: refresh tokens
are revoked for good, access tokens are inactive at introspection, and the revocation feed
tells resource servers to refuse every token issued to them so far."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from auth_server import Settings
from tests.auth_server.conftest import AuthClient, RegisterClient, Registered
from tests.auth_server.flows import INITIAL_TOKEN, refresh, register, signed
from tests.auth_server.lifecycle import basic, client_token, introspect, revoke, user_tokens

pytestmark = pytest.mark.usefixtures("database_kind")
INACTIVE = {"active": False}


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)


async def cli(settings: Settings, *args: str) -> None:
    """`auth-server ARGS` as an operator runs it, against the test server's database."""
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": settings.database_url,
        "AUTH_DATA_DIR": str(settings.data_dir),
        "AUTH_KEY_ENCRYPTION_KEY": settings.key_encryption_key or "",
        "AUTH_SECRET_PEPPER": settings.secret_pepper or "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "auth_server", *args, env=env, stderr=subprocess.PIPE
    )
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr


async def feed(http: AuthClient, reader: Registered) -> list[dict[str, Any]]:
    response = await http.get("/revocations", headers=basic(reader))
    assert response.status == 200
    entries: list[dict[str, Any]] = (await response.json())["revoked"]
    return entries


async def test_disabling_a_user_ends_their_tokens_for_good(
    auth_client: AuthClient,
    auth_settings: Settings,
    register_client: RegisterClient,
    web_client: Registered,
    user_id: str,
) -> None:
    reader = await register_client(name="accounts API", introspect=True)
    tokens = await user_tokens(auth_client, web_client)
    await cli(auth_settings, "user", "disable", "alice")
    await cli(auth_settings, "user", "enable", "alice")  # enabling again revives nothing
    assert await introspect(auth_client, reader, tokens["access_token"]) == INACTIVE
    status, body = await refresh(auth_client, web_client, tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    (entry,) = await feed(auth_client, reader)
    assert entry["sub"] == user_id
    assert "jti" not in entry
    assert entry["exp"] > entry["issued_before"]


async def test_deleting_a_client_voids_its_client_credentials_tokens(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    reader = await register_client(name="accounts API", introspect=True)
    metadata = {"client_name": "service", "grant_types": ["client_credentials"]}
    status, _, registered = await register(auth_client, metadata)
    assert status == 201, registered
    service = Registered(registered["client_id"], registered["client_secret"])
    token = await client_token(auth_client, service)
    configuration = registered["registration_client_uri"].removeprefix("http://auth.test")
    bearer = {"Authorization": f"Bearer {registered['registration_access_token']}"}
    assert (await auth_client.delete(configuration, headers=bearer)).status == 204
    assert await introspect(auth_client, reader, token) == INACTIVE
    (entry,) = await feed(auth_client, reader)
    assert entry["client_id"] == service.client_id
    assert "jti" not in entry


async def test_a_token_just_past_its_exp_is_still_deny_listed(
    auth_client: AuthClient, register_client: RegisterClient, registered_client: Registered
) -> None:
    # Resource servers accept a token up to their leeway (at most 60 s) past its exp.
    reader = await register_client(name="accounts API", introspect=True)
    now = int(time.time())
    claims = {"client_id": registered_client.client_id, "jti": "late", "exp": now - 10}
    token = signed(auth_client, iat=now - 910, **claims)
    assert await revoke(auth_client, registered_client, token) == 200
    assert [entry["jti"] for entry in await feed(auth_client, reader)] == ["late"]
