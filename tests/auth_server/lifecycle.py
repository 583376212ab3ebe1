"""Helpers for the token-lifecycle tests: endpoints found from metadata, client-authenticated
posts, and a user's tokens got through the real authorization-code flow."""

from __future__ import annotations

from typing import Any

from aiohttp import encode_basic_auth

from auth_server.appkeys import USERS
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import PASSWORD, AuthClient, Registered
from tests.auth_server.flows import endpoint, post_token, redeem, sign_in_and_approve


def basic(client: Registered) -> dict[str, str]:
    return {"Authorization": encode_basic_auth(client.client_id, client.client_secret or "")}


async def post_as(
    http: AuthClient,
    name: str,
    form: dict[str, str],
    client: Registered | None,
    *,
    method: str = "basic",
) -> tuple[int, dict[str, str], Any]:
    """POST a form to the endpoint named in metadata, authenticated as `client`."""
    headers = basic(client) if client is not None and method == "basic" else {}
    if client is not None and method == "post":
        form = {**form, "client_id": client.client_id, "client_secret": client.client_secret or ""}
    elif client is not None and method == "none":
        form = {**form, "client_id": client.client_id}
    response = await http.post(await endpoint(http, name), data=form, headers=headers)
    body = await response.json() if response.content_type == "application/json" else None
    return response.status, dict(response.headers), body


async def introspect(http: AuthClient, client: Registered, token: str) -> dict[str, Any]:
    status, headers, body = await post_as(http, "introspection_endpoint", {"token": token}, client)
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    assert isinstance(body, dict)
    return body


async def revoke(http: AuthClient, client: Registered | None, token: str, **extra: str) -> int:
    form = {"token": token, **extra}
    status, headers, _ = await post_as(http, "revocation_endpoint", form, client)
    if status == 200:
        assert headers["Cache-Control"] == "no-store"
    return status


async def client_token(http: AuthClient, client: Registered, *, method: str = "basic") -> str:
    form = {"grant_type": "client_credentials"}
    status, _, body = await post_token(http, form, client, method=method)
    assert status == 200, body
    return str(body["access_token"])


async def create_user(http: AuthClient) -> str:
    return (await http.app[USERS].create("alice", PASSWORD)).user_id


async def user_tokens(http: AuthClient, client: Registered) -> dict[str, Any]:
    """Alice signs in and approves; the client redeems the code at the real token endpoint."""
    code, verifier = await sign_in_and_approve(Browser(http), client, scope="read write")
    status, body = await redeem(http, client, code, verifier)
    assert status == 200, body
    return body
