"""Token introspection (RFC 7662): what is said about a token, and to whom."""

from __future__ import annotations

import time

import pytest

from auth_server.appkeys import CLIENTS, DATABASE, USERS
from tests.auth_server.conftest import ISSUER, REDIRECT_URI, AuthClient, RegisterClient, Registered
from tests.auth_server.flows import refresh, signed, verify
from tests.auth_server.lifecycle import client_token, introspect, post_as, user_tokens

pytestmark = pytest.mark.usefixtures("database_kind")

INACTIVE = {"active": False}


@pytest.fixture
async def resource_server(register_client: RegisterClient) -> Registered:
    """A resource server's client: registered with --introspect."""
    return await register_client(name="accounts API", introspect=True)


async def test_an_active_access_token_is_described_by_its_claims(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    token = await client_token(auth_client, registered_client)
    claims = await verify(auth_client, token)
    body = await introspect(auth_client, registered_client, token)
    assert body == {
        "active": True,
        "scope": "read write",
        "client_id": registered_client.client_id,
        "sub": registered_client.client_id,
        "aud": claims["aud"],
        "iss": ISSUER,
        "exp": claims["exp"],
        "iat": claims["iat"],
        "token_type": "Bearer",
        "jti": claims["jti"],
    }


async def test_a_refresh_token_is_active_until_spent(
    auth_client: AuthClient, web_client: Registered, user_id: str
) -> None:
    tokens = await user_tokens(auth_client, web_client)
    body = await introspect(auth_client, web_client, tokens["refresh_token"])
    assert body.pop("exp") > body.pop("iat") >= int(time.time()) - 5
    assert body == {
        "active": True,
        "scope": "read write",
        "client_id": web_client.client_id,
        "sub": user_id,
        "aud": "http://127.0.0.1:8001",
        "iss": ISSUER,
        "token_type": "refresh_token",
    }
    status, _ = await refresh(auth_client, web_client, tokens["refresh_token"])
    assert status == 200
    assert await introspect(auth_client, web_client, tokens["refresh_token"]) == INACTIVE


@pytest.mark.usefixtures("user_id")
async def test_who_sees_what(
    auth_client: AuthClient,
    web_client: Registered,
    resource_server: Registered,
    register_client: RegisterClient,
) -> None:
    tokens = await user_tokens(auth_client, web_client)
    bystander = await register_client(name="bystander")
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await introspect(auth_client, web_client, token))["active"] is True
        assert (await introspect(auth_client, resource_server, token))["active"] is True
        assert await introspect(auth_client, bystander, token) == INACTIVE


@pytest.mark.usefixtures("user_id")
async def test_a_disabled_users_refresh_token_is_inactive(
    auth_client: AuthClient, web_client: Registered
) -> None:
    tokens = await user_tokens(auth_client, web_client)
    await auth_client.app[USERS].set_disabled("alice", True)
    assert await introspect(auth_client, web_client, tokens["refresh_token"]) == INACTIVE


async def test_expired_garbage_and_foreign_tokens_are_only_inactive(
    auth_client: AuthClient, resource_server: Registered, registered_client: Registered
) -> None:
    expired = signed(auth_client, client_id=registered_client.client_id, exp=int(time.time()))
    foreign = signed(auth_client, iss="https://other.test")
    for token in (expired, foreign, "garbage", "a.b.c", "x" * 9000):
        assert await introspect(auth_client, resource_server, token) == INACTIVE


@pytest.mark.usefixtures("user_id")
async def test_an_expired_refresh_token_is_inactive(
    auth_client: AuthClient, web_client: Registered
) -> None:
    tokens = await user_tokens(auth_client, web_client)
    await auth_client.app[DATABASE].execute("UPDATE refresh_tokens SET expires_at = 0")
    assert await introspect(auth_client, web_client, tokens["refresh_token"]) == INACTIVE


async def test_a_deleted_clients_access_token_is_inactive(
    auth_client: AuthClient, registered_client: Registered, resource_server: Registered
) -> None:
    token = await client_token(auth_client, registered_client)
    await auth_client.app[CLIENTS].delete(registered_client.client_id)
    assert await introspect(auth_client, resource_server, token) == INACTIVE


async def test_authentication_is_required_and_public_clients_cannot_introspect(
    auth_client: AuthClient, registered_client: Registered, register_client: RegisterClient
) -> None:
    token = await client_token(auth_client, registered_client)
    spa = await register_client(public=True, redirect_uris=(REDIRECT_URI,))
    for client, method in ((None, "basic"), (spa, "none"), (spa, "basic")):
        status, headers, body = await post_as(
            auth_client, "introspection_endpoint", {"token": token}, client, method=method
        )
        assert (status, body["error"]) == (401, "invalid_client"), (client, method)
        assert headers["WWW-Authenticate"].startswith("Basic ")


async def test_client_secret_post_and_a_missing_token(
    auth_client: AuthClient, registered_client: Registered, register_client: RegisterClient
) -> None:
    poster = await register_client(token_endpoint_auth_method="client_secret_post")
    token = await client_token(auth_client, poster, method="post")
    form = {"token": token, "token_type_hint": "whatever"}
    status, _, body = await post_as(
        auth_client, "introspection_endpoint", form, poster, method="post"
    )
    assert (status, body["active"]) == (200, True)
    status, _, body = await post_as(auth_client, "introspection_endpoint", {}, registered_client)
    assert (status, body["error"]) == (400, "invalid_request")
