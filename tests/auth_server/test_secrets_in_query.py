"""Credentials and grant parameters in a URL are refused (RFC 6749 §2.3.1, RFC 9700 §4.3):
proxies, access logs and browser histories keep URLs."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import encode_basic_auth

from auth_server import Settings
from tests.auth_server.conftest import AuthClient, Registered
from tests.auth_server.flows import INITIAL_TOKEN, WEB_APP, endpoint

# Storage plays no part: one database is enough.
pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"])


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)


@pytest.mark.parametrize(
    "name", ["token_endpoint", "revocation_endpoint", "introspection_endpoint"]
)
@pytest.mark.parametrize("parameter", ["client_secret", "code", "refresh_token", "grant_type"])
async def test_a_secret_in_the_query_string_is_invalid_request(
    auth_client: AuthClient, registered_client: Registered, name: str, parameter: str
) -> None:
    path = await endpoint(auth_client, name)
    secret = registered_client.client_secret or ""
    form = {"grant_type": "client_credentials", "token": "t"}
    response = await auth_client.post(
        path,
        params={parameter: secret},
        data=form,
        headers={"Authorization": encode_basic_auth(registered_client.client_id, secret)},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_a_secret_in_the_registration_query_is_invalid_request(
    auth_client: AuthClient,
) -> None:
    response = await auth_client.post(
        await endpoint(auth_client, "registration_endpoint"),
        params={"client_secret": "x"},
        json=WEB_APP,
        headers={"Authorization": f"Bearer {INITIAL_TOKEN}"},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"
