"""Token revocation (RFC 7009), spoken to over HTTP as clients would."""

from __future__ import annotations

import time
from typing import Any

import pytest

from auth_server.appkeys import DATABASE, KEYRING
from auth_server.pruning import prune_expired
from auth_server.signing.jose import JwsSigner, generate_rsa_key
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import ISSUER, REDIRECT_URI, AuthClient, RegisterClient, Registered
from tests.auth_server.flows import redeem, refresh, sign_in_and_approve, signed
from tests.auth_server.lifecycle import (
    basic,
    client_token,
    create_user,
    introspect,
    post_as,
    revoke,
    user_tokens,
)

pytestmark = pytest.mark.usefixtures("database_kind")


@pytest.fixture
async def first_tokens(auth_client: AuthClient, web_client: Registered) -> dict[str, Any]:
    await create_user(auth_client)
    return await user_tokens(auth_client, web_client)


async def deny_listed(http: AuthClient) -> int:
    return int(await http.app[DATABASE].fetchval("SELECT count(*) FROM revoked_access_tokens"))


async def test_revoking_a_spent_refresh_token_ends_the_whole_family(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    status, second = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert status == 200
    assert (await introspect(auth_client, web_client, second["refresh_token"]))["active"]
    hint = {"token_type_hint": "refresh_token"}
    assert await revoke(auth_client, web_client, first_tokens["refresh_token"], **hint) == 200
    assert await introspect(auth_client, web_client, second["refresh_token"]) == {"active": False}
    status, body = await refresh(auth_client, web_client, second["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_revoking_a_refresh_token_revokes_the_access_tokens_of_its_grant(
    auth_client: AuthClient,
    web_client: Registered,
    first_tokens: dict[str, Any],
    register_client: RegisterClient,
) -> None:
    # RFC 7009 §2.1: revoking a refresh token SHOULD invalidate the grant's access tokens too.
    status, second = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert status == 200
    issued = [first_tokens["access_token"], second["access_token"]]
    jtis = {(await introspect(auth_client, web_client, token))["jti"] for token in issued}
    assert len(jtis) == 2
    assert await revoke(auth_client, web_client, second["refresh_token"]) == 200
    for token in issued:
        assert await introspect(auth_client, web_client, token) == {"active": False}
    # ...and resource servers polling the feed learn both.
    resource_server = await register_client(name="accounts API", introspect=True)
    response = await auth_client.get("/revocations", headers=basic(resource_server))
    assert {entry["jti"] for entry in (await response.json())["revoked"]} == jtis
    # Revoking again adds nothing.
    assert await revoke(auth_client, web_client, second["refresh_token"]) == 200
    assert await deny_listed(auth_client) == 2


@pytest.mark.parametrize("grant_types", [("authorization_code",), None])
async def test_a_replayed_code_revokes_the_access_token_it_produced(
    auth_client: AuthClient, register_client: RegisterClient, grant_types: tuple[str, ...] | None
) -> None:
    # RFC 6749 §4.1.2, with and without a refresh-token family behind the code.
    extra = {} if grant_types is None else {"grant_types": grant_types}
    client = await register_client(redirect_uris=(REDIRECT_URI,), **extra)
    await create_user(auth_client)
    code, verifier = await sign_in_and_approve(Browser(auth_client), client)
    status, first = await redeem(auth_client, client, code, verifier)
    assert status == 200
    assert ("refresh_token" in first) is (grant_types is None)
    assert (await introspect(auth_client, client, first["access_token"]))["active"] is True
    status, again = await redeem(auth_client, client, code, verifier)
    assert (status, again["error"]) == (400, "invalid_grant")
    assert await introspect(auth_client, client, first["access_token"]) == {"active": False}


async def test_client_credentials_tokens_still_write_nothing(
    auth_client: AuthClient, registered_client: Registered, first_tokens: dict[str, Any]
) -> None:
    database = auth_client.app[DATABASE]
    before = await database.fetchval("SELECT count(*) FROM grant_access_tokens")
    assert before == 1  # the user's token from the code grant
    for _ in range(3):
        await client_token(auth_client, registered_client)
    assert await database.fetchval("SELECT count(*) FROM grant_access_tokens") == before
    # Records go once their tokens have expired.
    assert await prune_expired(database, now=int(time.time()) + 3600) >= 1
    assert await database.fetchval("SELECT count(*) FROM grant_access_tokens") == 0


async def test_revoked_access_token_is_inactive_and_deny_listed_until_it_expires(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    token = await client_token(auth_client, registered_client)
    claims = await introspect(auth_client, registered_client, token)
    assert claims["active"] is True
    # A wrong hint is only a hint (RFC 7009 §2.1).
    assert (
        await revoke(auth_client, registered_client, token, token_type_hint="refresh_token") == 200
    )
    assert await introspect(auth_client, registered_client, token) == {"active": False}
    row = await auth_client.app[DATABASE].fetchrow("SELECT jti, exp FROM revoked_access_tokens")
    assert row == {"jti": claims["jti"], "exp": claims["exp"]}
    assert await revoke(auth_client, registered_client, token) == 200  # twice: one entry
    assert await deny_listed(auth_client) == 1
    database = auth_client.app[DATABASE]
    assert await prune_expired(database) == 0
    assert await prune_expired(database, now=claims["exp"] + 3600) >= 1  # and throttle counts
    assert await deny_listed(auth_client) == 0


async def test_another_clients_tokens_are_left_alone(
    auth_client: AuthClient,
    web_client: Registered,
    first_tokens: dict[str, Any],
    register_client: RegisterClient,
) -> None:
    other = await register_client(name="other", redirect_uris=(REDIRECT_URI,))
    for token in (first_tokens["access_token"], first_tokens["refresh_token"]):
        assert await revoke(auth_client, other, token) == 200
        assert (await introspect(auth_client, web_client, token))["active"] is True
    assert await deny_listed(auth_client) == 0
    status, _ = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert status == 200


@pytest.mark.parametrize(
    "token",
    [
        "unknown",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.e30.",  # alg none
        "eyJraWQiOlsxXX0.e30.x",  # a kid that is a list
        "W10.W10.x",  # JSON arrays, not objects
        "ü.ü.ü",
        "x" * 9000,
        "ünïcode",
    ],
)
async def test_unknown_tokens_answer_200(
    auth_client: AuthClient, registered_client: Registered, token: str
) -> None:
    assert (
        await revoke(auth_client, registered_client, token, token_type_hint="no_such_type") == 200
    )
    assert await deny_listed(auth_client) == 0


async def test_a_token_signed_by_another_key_is_unknown(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    real = auth_client.app[KEYRING].signer
    impostor = JwsSigner(generate_rsa_key(), real.kid)  # same kid, another key
    now = int(time.time())
    forged = impostor.sign(
        {"iss": ISSUER, "sub": "s", "aud": "a", "exp": now + 60, "iat": now, "jti": "forged"}
        | {"client_id": registered_client.client_id, "scope": "read"}
    )
    assert await revoke(auth_client, registered_client, forged) == 200
    assert await deny_listed(auth_client) == 0
    assert await introspect(auth_client, registered_client, forged) == {"active": False}


async def test_an_expired_access_token_needs_no_entry(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    # Expired for longer than any resource server's leeway (at most EXPIRY_MARGIN = 60 s).
    exp = int(time.time()) - 61
    token = signed(auth_client, client_id=registered_client.client_id, exp=exp)
    assert await revoke(auth_client, registered_client, token) == 200
    assert await deny_listed(auth_client) == 0


async def test_a_token_from_another_issuer_is_unknown(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    token = signed(auth_client, client_id=registered_client.client_id, iss="https://evil.test")
    assert await revoke(auth_client, registered_client, token) == 200
    assert await deny_listed(auth_client) == 0


async def test_a_public_client_revokes_its_own_refresh_token_by_client_id(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    await create_user(auth_client)
    spa = await register_client(public=True, redirect_uris=(REDIRECT_URI,), scope=("read", "write"))
    tokens = await user_tokens(auth_client, spa)
    form = {"token": tokens["refresh_token"]}
    status, _, _ = await post_as(auth_client, "revocation_endpoint", form, spa, method="none")
    assert status == 200
    status, body = await refresh(auth_client, spa, tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_client_secret_post_is_accepted(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    poster = await register_client(token_endpoint_auth_method="client_secret_post")
    token = await client_token(auth_client, poster, method="post")
    form = {"token": token}
    status, _, _ = await post_as(auth_client, "revocation_endpoint", form, poster, method="post")
    assert status == 200
    assert await deny_listed(auth_client) == 1


async def test_client_authentication_is_required(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    token = await client_token(auth_client, registered_client)
    status, headers, body = await post_as(
        auth_client, "revocation_endpoint", {"token": token}, None
    )
    assert (status, body["error"]) == (401, "invalid_client")
    assert headers["Cache-Control"] == "no-store"
    wrong = Registered(registered_client.client_id, "wrong")
    status, headers, body = await post_as(
        auth_client, "revocation_endpoint", {"token": token}, wrong
    )
    assert (status, body["error"]) == (401, "invalid_client")
    assert headers["WWW-Authenticate"].startswith("Basic ")
    assert await deny_listed(auth_client) == 0


@pytest.mark.parametrize("form", [{}, {"token": ""}, {"token_type_hint": "refresh_token"}])
async def test_a_missing_token_is_invalid_request(
    auth_client: AuthClient, registered_client: Registered, form: dict[str, str]
) -> None:
    status, _, body = await post_as(auth_client, "revocation_endpoint", form, registered_client)
    assert (status, body["error"]) == (400, "invalid_request")


async def test_repeated_token_and_wrong_method_are_invalid_request(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    response = await auth_client.post(
        "/revoke", data=[("token", "a"), ("token", "b")], headers=basic(registered_client)
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"
    response = await auth_client.get("/revoke")
    assert response.status == 405
    assert (await response.json())["error"] == "invalid_request"
