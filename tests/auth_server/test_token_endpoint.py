"""The token endpoint with the client-credentials grant, spoken to over HTTP as a client would."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from auth_server.appkeys import DATABASE
from tests.auth_server.conftest import (
    DEFAULT_AUDIENCE,
    AuthClient,
    RegisterClient,
    Registered,
)
from tests.auth_server.flows import (
    post_token,
    token_endpoint,
    verify,
)

pytestmark = pytest.mark.usefixtures("database_kind")


async def test_basic_auth_gets_an_rfc9068_token(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    status, headers, body = await post_token(
        auth_client, {"grant_type": "client_credentials"}, registered_client
    )
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    assert headers["Pragma"] == "no-cache"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "read write"
    assert "refresh_token" not in body  # RFC 6749 §4.4.3
    claims = await verify(auth_client, body["access_token"])
    assert claims["sub"] == registered_client.client_id
    assert claims["client_id"] == registered_client.client_id
    assert claims["aud"] == DEFAULT_AUDIENCE
    assert claims["scope"] == "read write"
    assert claims["exp"] - claims["iat"] == 900


async def test_post_auth_works_too(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    poster = await register_client(token_endpoint_auth_method="client_secret_post")
    status, _, body = await post_token(
        auth_client, {"grant_type": "client_credentials"}, poster, method="post"
    )
    assert status == 200, body
    await verify(auth_client, body["access_token"])


async def test_basic_credentials_are_form_url_decoded(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    def encode_all(text: str) -> str:
        return "".join(f"%{byte:02X}" for byte in text.encode())

    secret = registered_client.client_secret or ""
    raw = f"{encode_all(registered_client.client_id)}:{encode_all(secret)}"
    header = "Basic " + base64.b64encode(raw.encode()).decode()
    response = await auth_client.post(
        await token_endpoint(auth_client),
        data={"grant_type": "client_credentials"},
        headers={"Authorization": header},
    )
    assert response.status == 200, await response.text()


async def test_every_token_has_its_own_jti(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    jtis = set()
    for _ in range(3):
        _, _, body = await post_token(
            auth_client, {"grant_type": "client_credentials"}, registered_client
        )
        jtis.add((await verify(auth_client, body["access_token"]))["jti"])
    assert len(jtis) == 3


async def test_narrower_scope(auth_client: AuthClient, registered_client: Registered) -> None:
    status, _, body = await post_token(
        auth_client, {"grant_type": "client_credentials", "scope": "write"}, registered_client
    )
    assert status == 200
    assert body["scope"] == "write"
    assert (await verify(auth_client, body["access_token"]))["scope"] == "write"


@pytest.mark.parametrize("scope", ["admin", "read admin", 'read"quoted', "read\twrite"])
async def test_scope_beyond_the_client_or_malformed_is_invalid_scope(
    auth_client: AuthClient, registered_client: Registered, scope: str
) -> None:
    status, _, body = await post_token(
        auth_client, {"grant_type": "client_credentials", "scope": scope}, registered_client
    )
    assert (status, body["error"]) == (400, "invalid_scope")


async def test_resource_chooses_an_allowed_audience(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(audiences=("https://api.example", "https://other.example"))
    form = {"grant_type": "client_credentials", "resource": "https://other.example"}
    status, _, body = await post_token(auth_client, form, client)
    assert status == 200, body
    claims = await verify(auth_client, body["access_token"], audience="https://other.example")
    assert claims["aud"] == "https://other.example"


async def test_two_resources_give_two_audiences(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(audiences=("https://a.example", "https://b.example"))
    form = [
        ("grant_type", "client_credentials"),
        ("resource", "https://a.example"),
        ("resource", "https://b.example"),
    ]
    status, _, body = await post_token(auth_client, form, client)
    assert status == 200, body
    claims = await verify(auth_client, body["access_token"], audience="https://b.example")
    assert claims["aud"] == ["https://a.example", "https://b.example"]


async def test_no_resource_with_registered_audiences_uses_the_first(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(audiences=("https://api.example",))
    status, _, body = await post_token(auth_client, {"grant_type": "client_credentials"}, client)
    assert status == 200, body
    await verify(auth_client, body["access_token"], audience="https://api.example")


@pytest.mark.parametrize(
    "resource",
    ["https://elsewhere.example", "http://127.0.0.1:8001#frag", "not a uri", "/relative"],
)
async def test_resource_not_allowed_or_malformed_is_invalid_target(
    auth_client: AuthClient, registered_client: Registered, resource: str
) -> None:
    form = {"grant_type": "client_credentials", "resource": resource}
    status, _, body = await post_token(auth_client, form, registered_client)
    assert (status, body["error"]) == (400, "invalid_target")


async def test_default_audience_is_the_only_one_without_registered_audiences(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    form = {"grant_type": "client_credentials", "resource": DEFAULT_AUDIENCE}
    status, _, body = await post_token(auth_client, form, registered_client)
    assert status == 200, body


async def snapshot(http: AuthClient) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the server can see."""
    database = http.app[DATABASE]
    if database.dialect == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT table_name AS name FROM information_schema.tables"
        query += " WHERE table_schema = current_schema()"
    tables = sorted(row["name"] for row in await database.fetch(query))
    return {t: sorted(await database.fetch(f"SELECT * FROM {t}"), key=repr) for t in tables}


async def test_client_credentials_writes_nothing(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    before = await snapshot(auth_client)
    for _ in range(5):
        status, _, _ = await post_token(
            auth_client, {"grant_type": "client_credentials"}, registered_client
        )
        assert status == 200
    after = await snapshot(auth_client)
    assert after == before  # no row, not even a throttle count: no attempt failed
