"""Introspection tells a resource server only about tokens meant for it (RFC 7662 §4), and
only about tokens spelled the one way we issue them (RFC 4648 §3.5)."""

from __future__ import annotations

import pytest

from tests.auth_server.conftest import DEFAULT_AUDIENCE, AuthClient, RegisterClient, Registered
from tests.auth_server.lifecycle import client_token, introspect, user_tokens

pytestmark = pytest.mark.usefixtures("database_kind", "user_id")
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MAIL_API = "https://mail.example"
INACTIVE = {"active": False}


async def test_a_resource_server_sees_only_tokens_meant_for_it(
    auth_client: AuthClient, register_client: RegisterClient, web_client: Registered
) -> None:
    accounts = await register_client(name="accounts API", introspect=True)
    mail = await register_client(name="mail API", introspect=True, audiences=(MAIL_API,))
    tokens = await user_tokens(auth_client, web_client)
    service_token = await client_token(
        auth_client, await register_client(scope=("read",), audiences=(DEFAULT_AUDIENCE,))
    )
    for token in (tokens["access_token"], tokens["refresh_token"], service_token):
        assert (await introspect(auth_client, accounts, token))["active"] is True
        assert await introspect(auth_client, mail, token) == INACTIVE


def respell(part: str) -> str:
    """The same bytes with the final character's unused bits set (when it has any)."""
    unused = {2: 0b1111, 3: 0b11}.get(len(part) % 4, 0)
    return part[:-1] + B64URL[B64URL.index(part[-1]) | unused]


async def test_a_respelled_token_is_not_one_of_ours(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    token = await client_token(auth_client, registered_client)
    header, payload, signature = token.split(".")
    respelled = f"{respell(header)}.{respell(payload)}.{signature}"
    assert respelled != token
    assert (await introspect(auth_client, registered_client, token))["active"] is True
    assert await introspect(auth_client, registered_client, respelled) == INACTIVE
