"""ID tokens from the code and refresh grants (OpenID Connect Core §2, §3.1.3, §12.2)."""

from __future__ import annotations

import hashlib

import pytest

from auth_server.signing.jose import b64url
from tests.auth_server.conftest import AuthClient, Registered
from tests.auth_server.flows import post_token, refresh
from tests.auth_server.oidc.conftest import EMAIL, NAME
from tests.auth_server.oidc.signin import id_token_claims, signed_in

pytestmark = pytest.mark.usefixtures("database_kind")


async def test_the_code_grant_with_openid_returns_an_id_token_with_every_claim(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    body = await signed_in(auth_client, relying_party, nonce="n-0S6_WzA2Mj")
    assert body["scope"] == "openid profile email"  # beyond its registered `read`
    header, claims = await id_token_claims(auth_client, body["id_token"], relying_party)

    assert header == {"alg": "RS256", "typ": "JWT", "kid": header["kid"]}
    assert claims["sub"] == alice
    assert claims["aud"] == claims["azp"] == relying_party.client_id
    assert claims["exp"] - claims["iat"] == 900  # AUTH_ID_TOKEN_TTL
    assert claims["iat"] - 5 <= claims["auth_time"] <= claims["iat"]
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert claims["at_hash"] == b64url(digest[:16])  # Core §3.1.3.6
    assert claims["preferred_username"] == "alice"
    assert (claims["name"], claims["email"], claims["email_verified"]) == (NAME, EMAIL, True)


async def test_openid_alone_releases_only_the_subject(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    body = await signed_in(auth_client, relying_party, scope="openid")
    _, claims = await id_token_claims(auth_client, body["id_token"], relying_party)
    assert "nonce" not in claims  # the request had none
    assert not {"name", "preferred_username", "email", "email_verified"} & set(claims)


async def test_without_openid_there_is_no_id_token(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    body = await signed_in(auth_client, relying_party, scope="read")
    assert "id_token" not in body
    status, refreshed = await refresh(auth_client, relying_party, body["refresh_token"])
    assert status == 200
    assert "id_token" not in refreshed


async def test_a_refresh_returns_an_id_token_for_the_same_sign_in_without_a_nonce(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    body = await signed_in(auth_client, relying_party, nonce="first")
    _, first = await id_token_claims(auth_client, body["id_token"], relying_party)
    status, refreshed = await refresh(auth_client, relying_party, body["refresh_token"])
    assert status == 200
    _, again = await id_token_claims(auth_client, refreshed["id_token"], relying_party)
    # Core §12.2: same iss, sub, aud, azp and auth_time; no nonce.
    for name in ("iss", "sub", "aud", "azp", "auth_time", "email", "name"):
        assert again[name] == first[name]
    assert "nonce" not in again
    assert again["at_hash"] != first["at_hash"]


async def test_client_credentials_never_gets_an_identity_scope(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    for scope in ("openid", "read openid", "profile", "email"):
        form = {"grant_type": "client_credentials", "scope": scope}
        status, _, body = await post_token(auth_client, form, registered_client)
        assert (status, body["error"]) == (400, "invalid_scope")
