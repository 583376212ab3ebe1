"""AUTH_REGISTRATION=open: anonymous RFC 7591 registration as MCP clients do it (SPEC)."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import ClientSession

from auth_server import Settings
from auth_server.appkeys import DATABASE
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import DEFAULT_AUDIENCE, REDIRECT_URI, AuthClient, Registered
from tests.auth_server.flows import post_token, register, sign_in_and_approve, verify

OTHER_API = "https://api.example/mcp"
NATIVE_APP = {
    "client_name": "Agent",
    "redirect_uris": [REDIRECT_URI, "http://127.0.0.1/callback"],
    "grant_types": ["authorization_code", "refresh_token"],
    "token_endpoint_auth_method": "none",
}


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, registration="open", audiences=(OTHER_API,))


async def clients(http: AuthClient) -> int:
    return int(await http.app[DATABASE].fetchval("SELECT count(*) FROM clients"))


async def test_a_native_app_registers_with_no_credentials(auth_client: AuthClient) -> None:
    metadata = await (await auth_client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["registration_endpoint"].endswith("/register")
    status, _, body = await register(auth_client, NATIVE_APP, token=None)
    assert status == 201, body
    assert "client_secret" not in body
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["scope"] == "read write"  # none asked: the server's scopes, shown at consent


@pytest.mark.parametrize(
    "change",
    [
        {"grant_types": ["client_credentials"]},
        {"grant_types": ["authorization_code", "client_credentials"]},
        {"scope": "read admin"},
        # A key set URL would have this server fetch an address anyone chose (SSRF).
        {"token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://keys.example/k"},
    ],
)
async def test_what_anonymous_clients_may_not_have_is_refused(
    auth_client: AuthClient, change: dict[str, object]
) -> None:
    status, _, body = await register(auth_client, {**NATIVE_APP, **change}, token=None)
    assert (status, body["error"]) == (400, "invalid_client_metadata")
    assert await clients(auth_client) == 0


async def test_an_anonymous_client_cannot_update_itself_to_client_credentials(
    auth_client: AuthClient,
) -> None:
    _, _, body = await register(auth_client, NATIVE_APP, token=None)
    token = body.pop("registration_access_token")
    update = {**body, "grant_types": ["client_credentials"], "response_types": []}
    response = await auth_client.put(
        body["registration_client_uri"].removeprefix("http://auth.test"),
        json=update,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_client_metadata"


async def test_twenty_registrations_an_hour_per_address(
    auth_client: AuthClient, second_address: ClientSession
) -> None:
    for _ in range(20):
        assert (await register(auth_client, NATIVE_APP, token=None))[0] == 201
    status, headers, body = await register(auth_client, NATIVE_APP, token=None)
    assert (status, body["error"]) == (429, "temporarily_unavailable")
    assert 3500 <= int(headers["Retry-After"]) <= 3600
    assert await clients(auth_client) == 20
    other = await second_address.post("/register", json=NATIVE_APP)
    assert other.status == 201  # another address has its own allowance


async def test_an_anonymous_client_may_ask_for_any_resource_the_server_knows(
    auth_client: AuthClient, user_id: str
) -> None:
    _, _, body = await register(auth_client, NATIVE_APP, token=None)
    client = Registered(body["client_id"], None)
    browser = Browser(auth_client)
    # The consent page is shown on first use: sign_in_and_approve checks for it.
    code, verifier = await sign_in_and_approve(browser, client, resource=OTHER_API)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    form |= {"code_verifier": verifier, "client_id": client.client_id}
    status, _, token = await post_token(auth_client, form)
    assert status == 200, token
    assert (await verify(auth_client, token["access_token"], OTHER_API))["aud"] == OTHER_API
    refreshed = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    refreshed |= {"client_id": client.client_id, "resource": DEFAULT_AUDIENCE}
    status, _, body = await post_token(auth_client, refreshed)
    assert (status, body["error"]) == (400, "invalid_target")  # not part of the grant
