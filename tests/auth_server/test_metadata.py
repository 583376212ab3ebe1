"""RFC 8414 metadata, the JWKS, health and readiness."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from tests.auth_server.conftest import ISSUER, AuthClient

pytestmark = pytest.mark.usefixtures("database_kind")

NOT_YET = ("registration_endpoint",)  # registration: closed


async def test_metadata_names_only_what_is_implemented(auth_client: AuthClient) -> None:
    response = await auth_client.get("/.well-known/oauth-authorization-server")
    assert response.status == 200
    metadata = await response.json()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == f"{ISSUER}/token"
    assert metadata["jwks_uri"].startswith(ISSUER)
    assert metadata["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert set(metadata["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
    }
    assert metadata["device_authorization_endpoint"] == f"{ISSUER}/device_authorization"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }
    assert metadata["scopes_supported"] == ["read", "write"]
    assert metadata["revocation_endpoint"] == f"{ISSUER}/revoke"
    assert set(metadata["revocation_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }
    assert metadata["introspection_endpoint"] == f"{ISSUER}/introspect"
    assert set(metadata["introspection_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    }
    assert metadata["revocation_feed_endpoint"] == f"{ISSUER}/revocations"
    for absent in NOT_YET:
        assert absent not in metadata


async def test_every_advertised_endpoint_answers(auth_client: AuthClient) -> None:
    metadata = await (await auth_client.get("/.well-known/oauth-authorization-server")).json()
    jwks = await auth_client.get(metadata["jwks_uri"].removeprefix(ISSUER))
    assert jwks.status == 200
    token = await auth_client.post(metadata["token_endpoint"].removeprefix(ISSUER), data={})
    assert token.status == 400  # there, and answering in protocol form
    for name in ("revocation_endpoint", "introspection_endpoint"):
        response = await auth_client.post(metadata[name].removeprefix(ISSUER), data={"token": "t"})
        assert response.status == 401, name  # there, and asking for client authentication
        assert (await response.json())["error"] == "invalid_client"
    feed = await auth_client.get(metadata["revocation_feed_endpoint"].removeprefix(ISSUER))
    assert feed.status == 401
    assert (await feed.json())["error"] == "invalid_client"


async def test_registration_is_listed_once_open(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    settings = dataclasses.replace(auth_settings, registration_token="t" * 43)
    http = await aiohttp_client(create_app(settings))
    metadata = await (await http.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["registration_endpoint"] == f"{ISSUER}/register"
    response = await http.post("/register", json={})
    assert response.status == 401  # there, and asking for the initial access token


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 §3.1, computed here independently of the server's code."""
    canonical = f'{{"e":"{jwk["e"]}","kty":"RSA","n":"{jwk["n"]}"}}'
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_jwks_publishes_a_public_rsa_key_named_by_its_thumbprint(
    auth_client: AuthClient,
) -> None:
    response = await auth_client.get("/jwks.json")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    (key,) = (await response.json())["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}  # no private members
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert key["kid"] == thumbprint(key)
    modulus = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
    assert len(modulus) * 8 >= 2048


async def test_health_and_readiness(auth_client: AuthClient) -> None:
    assert (await auth_client.get("/healthz")).status == 200
    ready = await auth_client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["status"] == "ready"


async def test_readiness_fails_when_the_database_is_gone(auth_client: AuthClient) -> None:
    from auth_server.appkeys import DATABASE

    await auth_client.app[DATABASE].close()
    ready = await auth_client.get("/readyz")
    assert ready.status == 503
    assert "database unreachable" in json.dumps(await ready.json())
