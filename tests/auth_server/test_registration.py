"""Dynamic client registration (RFC 7591), open only to holders of the initial access token."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import DATABASE
from tests.auth_server.conftest import ISSUER, AuthClient, Registered
from tests.auth_server.flows import (
    INITIAL_TOKEN,
    WEB_APP,
    post_token,
    register,
)

pytestmark = pytest.mark.usefixtures("database_kind")


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)


async def client_count(http: AuthClient) -> int:
    return int(await http.app[DATABASE].fetchval("SELECT count(*) FROM clients"))


async def test_registration_is_closed_without_an_initial_access_token(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    closed = await aiohttp_client(
        create_app(dataclasses.replace(auth_settings, registration_token=None))
    )
    metadata = await (await closed.get("/.well-known/oauth-authorization-server")).json()
    assert "registration_endpoint" not in metadata
    response = await closed.post(
        "/register", json=WEB_APP, headers={"Authorization": f"Bearer {INITIAL_TOKEN}"}
    )
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"
    assert (await closed.get("/register/anyone")).status == 404


async def test_a_web_app_registers_itself(auth_client: AuthClient) -> None:
    status, headers, body = await register(auth_client, WEB_APP)
    assert status == 201, body
    assert headers["Cache-Control"] == "no-store"
    client_id = body["client_id"]
    assert body["registration_client_uri"] == f"{ISSUER}/register/{client_id}"
    assert len(body["client_secret"]) >= 43
    assert len(body["registration_access_token"]) >= 43  # 256 bits, base64url
    assert body["client_secret_expires_at"] == 0
    assert isinstance(body["client_id_issued_at"], int)
    assert body["response_types"] == ["code"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    for name, value in WEB_APP.items():
        assert body[name] == value
    stored = repr(await auth_client.app[DATABASE].fetch("SELECT * FROM registration_tokens"))
    stored += repr(await auth_client.app[DATABASE].fetch("SELECT * FROM clients"))
    assert client_id in stored
    assert body["registration_access_token"] not in stored
    assert body["client_secret"] not in stored


async def test_defaults_follow_rfc_7591(auth_client: AuthClient) -> None:
    metadata = {"redirect_uris": ["http://127.0.0.1:9000/cb"], "unknown_field": [1, 2]}
    status, _, body = await register(auth_client, metadata)
    assert status == 201, body
    assert (body["grant_types"], body["response_types"]) == (["authorization_code"], ["code"])
    assert body["scope"] == "read"
    assert body["client_name"] == "unnamed client"
    assert "unknown_field" not in body


async def test_a_public_native_app_gets_no_secret(auth_client: AuthClient) -> None:
    metadata = {
        "client_name": "CLI",
        "redirect_uris": ["http://[::1]/cb", "http://localhost:8080/cb"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
    }
    status, _, body = await register(auth_client, metadata)
    assert status == 201, body
    assert "client_secret" not in body
    assert "client_secret_expires_at" not in body
    assert body["token_endpoint_auth_method"] == "none"


async def test_a_service_registers_for_client_credentials(auth_client: AuthClient) -> None:
    metadata = {
        "client_name": "batch",
        "grant_types": ["client_credentials"],
        "scope": "read write",
    }
    status, _, body = await register(auth_client, metadata)
    assert status == 201, body
    assert (body["response_types"], body["redirect_uris"]) == ([], [])
    registered = Registered(body["client_id"], body["client_secret"])
    status, _, token = await post_token(
        auth_client, {"grant_type": "client_credentials"}, registered
    )
    assert (status, token["scope"]) == (200, "read write")


@pytest.mark.parametrize(
    ("authorization", "status", "error"),
    [
        (None, 401, "unauthorized"),
        ("Bearer wrong-token", 401, "invalid_token"),
        (f"Bearer {INITIAL_TOKEN}x", 401, "invalid_token"),
        (f"Basic {INITIAL_TOKEN}", 400, "invalid_request"),
        ("Bearer ", 400, "invalid_request"),
    ],
)
async def test_the_initial_access_token_is_required(
    auth_client: AuthClient, authorization: str | None, status: int, error: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await auth_client.post("/register", json=WEB_APP, headers=headers)
    assert response.status == status
    assert (await response.json())["error"] == error
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer realm="{ISSUER}"')
    assert (f'error="{error}"' in challenge) == (authorization is not None)
    assert await client_count(auth_client) == 0


@pytest.mark.parametrize(
    "redirect_uris",
    [
        ["http://printer.example/callback"],
        ["https://printer.example/callback#fragment"],
        ["not a uri"],
        ["/relative/callback"],
        ["https://printer.example/ok", "javascript:alert(1)"],
        ["https://printer.example:99999/cb"],
        [42],
        "https://printer.example/callback",
        [],
    ],
)
async def test_bad_redirect_uris_are_invalid_redirect_uri(
    auth_client: AuthClient, redirect_uris: Any
) -> None:
    status, _, body = await register(auth_client, {**WEB_APP, "redirect_uris": redirect_uris})
    assert (status, body["error"]) == (400, "invalid_redirect_uri"), body
    assert await client_count(auth_client) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"grant_types": ["password"]},
        {"grant_types": ["implicit"]},
        {"grant_types": []},
        {"grant_types": "authorization_code"},
        {"response_types": ["token"]},
        {"grant_types": ["client_credentials"], "response_types": ["code"]},
        {"grant_types": ["refresh_token"], "response_types": ["code"]},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]},
        {"scope": "read admin"},
        {"scope": 7},
        {"client_name": 42},
        {"client_name": "x" * 500},
    ],
)
async def test_bad_metadata_is_invalid_client_metadata(
    auth_client: AuthClient, change: dict[str, Any]
) -> None:
    status, _, body = await register(auth_client, {**WEB_APP, **change})
    assert (status, body["error"]) == (400, "invalid_client_metadata"), body
    assert await client_count(auth_client) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"{not json", "application/json", "invalid_client_metadata"),
        (b"[1, 2]", "application/json", "invalid_client_metadata"),
        (b"[" * 10_000, "application/json", "invalid_client_metadata"),
        (b"\xff\xfe", "application/json", "invalid_client_metadata"),
        (b"client_name=x", "application/x-www-form-urlencoded", "invalid_request"),
    ],
)
async def test_a_body_that_is_not_a_json_object(
    auth_client: AuthClient, body: bytes, content_type: str, error: str
) -> None:
    response = await auth_client.post(
        "/register",
        data=body,
        headers={"Authorization": f"Bearer {INITIAL_TOKEN}", "Content-Type": content_type},
    )
    assert response.status == 400
    assert (await response.json())["error"] == error
    assert await client_count(auth_client) == 0


async def test_a_body_over_16_kib_is_413(auth_client: AuthClient) -> None:
    status, _, body = await register(auth_client, {**WEB_APP, "padding": "x" * 17_000})
    assert (status, body["error"]) == (413, "invalid_request")
    assert await client_count(auth_client) == 0
