"""OpenID Provider configuration (OpenID Discovery 1.0) from the same source as the RFC 8414
document, and registration (RFC 7591) with `post_logout_redirect_uris`."""

from __future__ import annotations

import dataclasses

import pytest

from auth_server import Settings
from tests.auth_server.conftest import ISSUER, AuthClient
from tests.auth_server.flows import INITIAL_TOKEN, WEB_APP, register

pytestmark = pytest.mark.usefixtures("database_kind")


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    """Registration open with an initial access token."""
    return dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)


async def test_the_openid_configuration_is_the_rfc_8414_document_and_more(
    auth_client: AuthClient,
) -> None:
    oauth = await (await auth_client.get("/.well-known/oauth-authorization-server")).json()
    response = await auth_client.get("/.well-known/openid-configuration")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    openid = await response.json()
    shared = {name: value for name, value in openid.items() if name in oauth}
    assert shared == {**oauth, "scopes_supported": ["read", "write", "openid", "profile", "email"]}
    assert openid["userinfo_endpoint"] == ISSUER + "/userinfo"
    assert openid["end_session_endpoint"] == ISSUER + "/logout"
    assert openid["id_token_signing_alg_values_supported"] == ["RS256"]
    assert openid["subject_types_supported"] == ["public"]
    assert {"sub", "nonce", "auth_time", "at_hash", "email_verified"} <= set(
        openid["claims_supported"]
    )
    assert "registration_endpoint" in openid
    assert openid["prompt_values_supported"] == ["none", "login", "consent"]


async def test_registration_takes_post_logout_redirect_uris(auth_client: AuthClient) -> None:
    uris = ["https://printer.example/signed-out", "http://127.0.0.1/bye"]
    status, _, body = await register(auth_client, {**WEB_APP, "post_logout_redirect_uris": uris})
    assert status == 201, body
    assert body["post_logout_redirect_uris"] == uris
    configuration = await auth_client.get(
        body["registration_client_uri"].removeprefix(ISSUER),
        headers={"Authorization": f"Bearer {body['registration_access_token']}"},
    )
    assert (await configuration.json())["post_logout_redirect_uris"] == uris


@pytest.mark.parametrize(
    "uris", [["javascript:alert(1)"], ["http://evil.example/"], "https://one.example/", [7]]
)
async def test_registration_refuses_bad_post_logout_redirect_uris(
    auth_client: AuthClient, uris: object
) -> None:
    status, _, body = await register(auth_client, {**WEB_APP, "post_logout_redirect_uris": uris})
    assert (status, body["error"]) == (400, "invalid_client_metadata")
