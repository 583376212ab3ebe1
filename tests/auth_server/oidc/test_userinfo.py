"""The UserInfo endpoint (OpenID Connect Core §5.3): the token checked as a resource server
checks it (our key ring, typ, iss, exp with at most 5 s leeway, not revoked), `openid`
required, errors as RFC 6750 §3; DPoP-bound tokens only with a proof (RFC 9449 §7)."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
import pytest
from aiohttp import encode_basic_auth
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_server.oidc.discovery import USERINFO_PATH
from tests.auth_server.browser import Browser, redirect_params
from tests.auth_server.conftest import ISSUER, PASSWORD, REDIRECT_URI, AuthClient, Registered
from tests.auth_server.flows import signed
from tests.auth_server.keyflows import dpop_token, proof_for_token
from tests.auth_server.oidc.conftest import EMAIL, NAME
from tests.auth_server.oidc.signin import authorize, signed_in
from tests.dpop_proofs import ProofKey

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


async def dpop_bound_tokens(http: AuthClient, client: Registered, key: ProofKey) -> dict[str, Any]:
    """Alice signed in; the code redeemed with a DPoP proof, so the tokens are bound to `key`."""
    browser = Browser(http)
    page, verifier = await authorize(browser, client)
    page = await browser.submit(page, username="alice", password=PASSWORD)
    page = await browser.submit(page, decision="approve")
    code = redirect_params(page.location or "")["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    status, _, body = await dpop_token(
        http, {**form, "code_verifier": verifier}, client, proof=proof_for_token(key)
    )
    assert (status, body["token_type"]) == (200, "DPoP"), body
    return body


async def dpop_userinfo(
    http: AuthClient, token: str, proof: str | None, scheme: str = "DPoP"
) -> tuple[int, str, dict[str, Any]]:
    headers = {"Authorization": f"{scheme} {token}"}
    if proof is not None:
        headers["DPoP"] = proof
    response = await http.get(USERINFO_PATH, headers=headers)
    return response.status, response.headers.get("WWW-Authenticate", ""), await response.json()


async def test_a_dpop_bound_token_is_answered_only_with_a_proof_of_its_key(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    key = ProofKey()
    token = (await dpop_bound_tokens(auth_client, relying_party, key))["access_token"]
    uri = ISSUER + USERINFO_PATH
    proof = key.proof("GET", uri, token)
    status, _, claims = await dpop_userinfo(auth_client, token, proof)
    assert (status, claims["sub"]) == (200, alice)
    # RFC 9449 §7.2: never as a bearer token, with or without a proof beside it.
    status, challenge, body = await dpop_userinfo(auth_client, token, None, scheme="Bearer")
    assert (status, body["error"]) == (401, "invalid_token")
    assert challenge.startswith("Bearer ")
    # A replayed proof, a proof by another key, for another URL or without `ath`: refused.
    refused = [
        proof,
        ProofKey().proof("GET", uri, token),
        key.proof("GET", ISSUER + "/account", token),
        key.proof("GET", uri),
        None,
    ]
    for bad in refused:
        status, challenge, body = await dpop_userinfo(auth_client, token, bad)
        assert status == 401, bad
        assert body["error"] in ("invalid_dpop_proof", "invalid_token")
        assert challenge.startswith("DPoP ")
        assert 'algs="' in challenge


async def test_a_bearer_token_is_not_accepted_under_the_dpop_scheme(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    token = (await signed_in(auth_client, relying_party))["access_token"]
    proof = ProofKey().proof("GET", ISSUER + USERINFO_PATH, token)
    status, challenge, body = await dpop_userinfo(auth_client, token, proof)
    assert (status, body["error"]) == (401, "invalid_token")
    assert challenge.startswith("DPoP ")
