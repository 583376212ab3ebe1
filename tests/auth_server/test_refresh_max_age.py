"""A refresh-token family ends AUTH_REFRESH_TOKEN_MAX_AGE after it began, however often it
rotates (RFC 9700 §4.14.2): a stolen, regularly refreshed token does not live for ever."""

from __future__ import annotations

import dataclasses
import time

import pytest

from auth_server import Settings
from auth_server.appkeys import DATABASE
from tests.auth_server.conftest import AuthClient, Registered
from tests.auth_server.flows import refresh
from tests.auth_server.lifecycle import introspect, user_tokens

pytestmark = pytest.mark.usefixtures("database_kind", "user_id")
MAX_AGE = 3600


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, refresh_token_max_age=MAX_AGE)


async def test_rotation_never_extends_the_family(
    auth_client: AuthClient, web_client: Registered
) -> None:
    began = int(time.time())
    tokens = await user_tokens(auth_client, web_client)
    status, rotated = await refresh(auth_client, web_client, tokens["refresh_token"])
    assert status == 200, rotated
    described = await introspect(auth_client, web_client, rotated["refresh_token"])
    assert described["active"] is True
    assert described["exp"] <= began + MAX_AGE + 1


async def test_a_family_past_its_age_is_refused(
    auth_client: AuthClient, web_client: Registered
) -> None:
    tokens = await user_tokens(auth_client, web_client)
    status, rotated = await refresh(auth_client, web_client, tokens["refresh_token"])
    assert status == 200, rotated
    # The family began MAX_AGE ago (its newest token would otherwise live 30 more days).
    long_ago = int(time.time()) - MAX_AGE - 1
    await auth_client.app[DATABASE].execute("UPDATE token_families SET created_at = $1", long_ago)
    status, body = await refresh(auth_client, web_client, rotated["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    assert await introspect(auth_client, web_client, rotated["refresh_token"]) == {"active": False}
