"""The UserInfo endpoint (OpenID Connect Core §5.3): the token checked as a resource server
checks it (our key ring, typ, iss, exp with at most 5 s leeway, not revoked), `openid`
required, errors as RFC 6750 §3."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
import pytest
from aiohttp import encode_basic_auth
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.auth_server.conftest import ISSUER, AuthClient, Registered
from tests.auth_server.flows import signed
from tests.auth_server.oidc.conftest import EMAIL, NAME
from tests.auth_server.oidc.signin import signed_in

pytestmark = pytest.mark.usefixtures("database_kind")


async def userinfo(
    http: AuthClient, token: str | None, method: str = "GET"
) -> tuple[int, str, dict[str, Any]]:
    metadata = await (await http.get("/.well-known/openid-configuration")).json()
    path = metadata["userinfo_endpoint"].removeprefix(ISSUER)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = await http.request(method, path, headers=headers)
    return response.status, response.headers.get("WWW-Authenticate", ""), await response.json()


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_userinfo_answers_with_the_claims_of_the_scope(
    auth_client: AuthClient, relying_party: Registered, alice: str, method: str
) -> None:
    token = (await signed_in(auth_client, relying_party))["access_token"]
    status, _, claims = await userinfo(auth_client, token, method)
    assert status == 200
    assert claims == {
        "sub": alice,
        "preferred_username": "alice",
        "name": NAME,
        "email": EMAIL,
        "email_verified": True,
    }


async def test_openid_alone_gives_the_subject_only(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    token = (await signed_in(auth_client, relying_party, scope="openid email"))["access_token"]
    assert (await userinfo(auth_client, token))[2] == {
        "sub": alice,
        "email": EMAIL,
        "email_verified": True,
    }


async def test_a_token_without_openid_is_insufficient_scope(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    token = (await signed_in(auth_client, relying_party, scope="read"))["access_token"]
    status, challenge, body = await userinfo(auth_client, token)
    assert (status, body["error"]) == (403, "insufficient_scope")
    assert 'scope="openid"' in challenge


async def test_no_token_is_a_challenge_without_error(auth_client: AuthClient) -> None:
    status, challenge, body = await userinfo(auth_client, None)
    assert (status, body["error"]) == (401, "unauthorized")
    assert challenge == f'Bearer realm="{ISSUER}"'


async def test_a_revoked_token_is_refused(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    token = (await signed_in(auth_client, relying_party))["access_token"]
    assert (await userinfo(auth_client, token))[0] == 200
    basic = encode_basic_auth(relying_party.client_id, relying_party.client_secret or "")
    revoked = await auth_client.post(
        "/revoke", data={"token": token}, headers={"Authorization": basic}
    )
    assert revoked.status == 200
    status, challenge, body = await userinfo(auth_client, token)
    assert (status, body["error"]) == (401, "invalid_token")
    assert 'error="invalid_token"' in challenge


async def test_expiry_is_checked_with_at_most_five_seconds_of_leeway(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    def expired(seconds_ago: int) -> str:
        claims = {"sub": alice, "client_id": relying_party.client_id, "scope": "openid"}
        now = int(time.time())
        exp = now - seconds_ago
        return signed(auth_client, **claims, exp=exp, iat=exp - 60, jti=secrets.token_hex(8))

    assert (await userinfo(auth_client, expired(1)))[0] == 200
    assert (await userinfo(auth_client, expired(6)))[0] == 401


async def test_tokens_that_are_not_our_access_tokens_are_refused(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    body = await signed_in(auth_client, relying_party)
    strangers_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    header = jwt.get_unverified_header(body["access_token"])
    forged = jwt.encode(claims, strangers_key, "RS256", headers=header)
    other_issuer = signed(auth_client, sub=alice, scope="openid", iss="http://elsewhere.test")
    for token in (body["id_token"], forged, other_issuer, "not-a-jwt", "a.b.c"):
        status, _, answer = await userinfo(auth_client, token)
        assert (status, answer["error"]) == (401, "invalid_token"), token
