"""Client configuration (RFC 7592): a registered client reads, updates and deletes itself."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from auth_server import Settings
from auth_server.appkeys import DATABASE
from tests.auth_server.browser import Browser, pkce_pair
from tests.auth_server.conftest import ISSUER, AuthClient, Registered
from tests.auth_server.flows import INITIAL_TOKEN, WEB_APP, post_token, register
from tests.auth_server.lifecycle import create_user

pytestmark = pytest.mark.usefixtures("database_kind")

NEW_REDIRECT_URI = "https://printer.example/v2/callback"


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)


@pytest.fixture
async def registration(auth_client: AuthClient) -> dict[str, Any]:
    metadata = {**WEB_APP, "grant_types": ["authorization_code", "client_credentials"]}
    status, _, body = await register(auth_client, metadata)
    assert status == 201, body
    return dict(body)


async def configure(
    http: AuthClient, method: str, registration: dict[str, Any], **options: Any
) -> tuple[int, dict[str, str], Any]:
    token = options.pop("token", registration["registration_access_token"])
    path = registration["registration_client_uri"].removeprefix(ISSUER)
    response = await http.request(
        method, path, headers={"Authorization": f"Bearer {token}"}, **options
    )
    body = await response.json() if response.content_type == "application/json" else None
    return response.status, dict(response.headers), body


def editable(registration: dict[str, Any]) -> dict[str, Any]:
    """What RFC 7592 §2.2 has the client send back: its metadata and client_id."""
    server_made = ("registration_access_token", "registration_client_uri", "client_id_issued_at")
    return {k: v for k, v in registration.items() if k not in (*server_made, "client_secret")}


async def login_page_for(http: AuthClient, client_id: str, redirect_uri: str) -> tuple[int, str]:
    _, challenge = pkce_pair()
    page = await Browser(http).open(
        "/authorize",
        response_type="code",
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    return page.status, page.html


async def get_token(http: AuthClient, registration: dict[str, Any]) -> tuple[int, Any]:
    client = Registered(registration["client_id"], registration["client_secret"])
    status, _, body = await post_token(http, {"grant_type": "client_credentials"}, client)
    return status, body


async def test_a_client_reads_updates_and_deletes_itself(
    auth_client: AuthClient, registration: dict[str, Any]
) -> None:
    await create_user(auth_client)
    status, headers, read = await configure(auth_client, "GET", registration)
    assert (status, headers["Cache-Control"]) == (200, "no-store")
    assert read == {k: v for k, v in registration.items() if k != "client_secret"}

    # The document read back, changed and sent back whole: server-made members are ignored.
    update = read | {
        "client_name": "Photo Printer 2",
        "redirect_uris": [NEW_REDIRECT_URI],
        "client_secret": registration["client_secret"],  # may be sent; must then match
    }
    status, _, updated = await configure(auth_client, "PUT", registration, json=update)
    assert status == 200, updated
    assert (updated["client_name"], updated["redirect_uris"]) == (
        "Photo Printer 2",
        [NEW_REDIRECT_URI],
    )
    assert updated["client_id"] == registration["client_id"]
    assert (await configure(auth_client, "GET", registration))[2] == updated
    status, html = await login_page_for(auth_client, registration["client_id"], NEW_REDIRECT_URI)
    assert (status, "Photo Printer 2" in html) == (200, True)
    old_uri = WEB_APP["redirect_uris"][0]
    assert (await login_page_for(auth_client, registration["client_id"], old_uri))[0] == 400
    assert (await get_token(auth_client, registration))[0] == 200

    status, _, body = await configure(auth_client, "DELETE", registration)
    assert (status, body) == (204, None)
    status, token = await get_token(auth_client, registration)
    assert (status, token["error"]) == (401, "invalid_client")
    status, _, body = await configure(auth_client, "GET", registration)
    assert (status, body["error"]) == (401, "invalid_token")
    assert await auth_client.app[DATABASE].fetchval("SELECT count(*) FROM registration_tokens") == 0


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "someone-else"},
        {"client_id": None},
        {"client_secret": "not-the-secret"},
        {"client_secret": 5},
        {"token_endpoint_auth_method": "none", "grant_types": ["authorization_code"]},
        {"redirect_uris": ["http://printer.example/cb"]},
        {"scope": "admin"},
    ],
)
async def test_a_refused_update_changes_nothing(
    auth_client: AuthClient, registration: dict[str, Any], change: dict[str, Any]
) -> None:
    update = {k: v for k, v in (editable(registration) | change).items() if v is not None}
    update["client_name"] = "changed"
    status, _, body = await configure(auth_client, "PUT", registration, json=update)
    assert status == 400
    assert body["error"] in ("invalid_client_metadata", "invalid_redirect_uri")
    _, _, read = await configure(auth_client, "GET", registration)
    assert read["client_name"] == WEB_APP["client_name"]


async def test_an_update_may_switch_between_secret_methods_and_drop_fields(
    auth_client: AuthClient, registration: dict[str, Any]
) -> None:
    update = editable(registration) | {"token_endpoint_auth_method": "client_secret_post"}
    del update["client_name"], update["scope"]  # RFC 7592 §2.2: omitted means removed
    status, _, body = await configure(auth_client, "PUT", registration, json=update)
    assert status == 200, body
    assert body["token_endpoint_auth_method"] == "client_secret_post"
    assert (body["client_name"], body["scope"]) == ("unnamed client", "read")


@pytest.mark.parametrize("token", ["wrong", "other"])
async def test_only_the_clients_own_registration_token_works(
    auth_client: AuthClient, registration: dict[str, Any], token: str
) -> None:
    if token == "other":
        _, _, other = await register(auth_client, {**WEB_APP, "client_name": "other"})
        token = other["registration_access_token"]
    for method in ("GET", "PUT", "DELETE"):
        options = {"json": editable(registration)} if method == "PUT" else {}
        status, headers, body = await configure(
            auth_client, method, registration, token=token, **options
        )
        assert (status, body["error"]) == (401, "invalid_token")
        assert 'error="invalid_token"' in headers["WWW-Authenticate"]
    assert (await configure(auth_client, "GET", registration))[0] == 200


async def test_an_unknown_client_is_invalid_token(
    auth_client: AuthClient, registration: dict[str, Any]
) -> None:
    response = await auth_client.get(
        "/register/no-such-client",
        headers={"Authorization": f"Bearer {registration['registration_access_token']}"},
    )
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_token"
