"""private_key_jwt (RFC 7523 §2.2): clients that sign an assertion with a key they keep, by
Authlib's own client, at the token, revocation and introspection endpoints."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from pytest_aiohttp import AiohttpClient, AiohttpServer

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENT_KEYS, CLIENTS, SETTINGS
from auth_server.clients.key_source import ClientKeys
from auth_server.clients.policy import new_client
from tests.auth_server.conftest import ISSUER, AuthClient, RegisterClient
from tests.auth_server.flows import INITIAL_TOKEN, register
from tests.auth_server.keyflows import PublishedKeys, assertion, assertion_form, jwks
from tests.dpop_proofs import ProofKey

pytestmark = pytest.mark.usefixtures("database_kind")
CC = {"grant_type": "client_credentials"}
KEY = ProofKey("RS256")


async def _post(http: AuthClient, path: str, form: dict[str, str]) -> tuple[int, Any]:
    response = await http.post(path, data=form)
    return response.status, await response.json()


def _fetch_with_authlib(token_endpoint: str, client_id: str) -> dict[str, Any]:
    pem = KEY.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with OAuth2Session(client_id, pem, token_endpoint_auth_method="private_key_jwt") as session:
        session.register_client_auth_method(PrivateKeyJWT(token_endpoint))
        token: dict[str, Any] = session.fetch_token(token_endpoint, grant_type="client_credentials")
    return token


async def test_authlib_gets_a_token_with_its_private_key(
    aiohttp_server: AiohttpServer, auth_settings: Settings
) -> None:
    port = unused_port()
    issuer = f"http://127.0.0.1:{port}"
    app = create_app(dataclasses.replace(auth_settings, issuer=issuer))
    await aiohttp_server(app, port=port)
    client_id = await _register_key_client(app)
    token = await asyncio.to_thread(_fetch_with_authlib, issuer + "/token", client_id)
    assert token["token_type"] == "Bearer"
    assert token["access_token"]


async def _register_key_client(app: web.Application) -> str:
    request = new_client(name="keys", server_scopes=app[SETTINGS].scopes, jwks=jwks(KEY))
    client, secret = await app[CLIENTS].create(request)
    assert secret is None
    return client.client_id


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("iss is not the client", {"iss": "someone-else"}),
        ("aud of another server", {"aud": "http://elsewhere.test"}),
        ("exp over an hour ahead", {"exp_in": 3700}),
        ("expired", {"exp_in": -120}),
        ("no jti", {"jti": None}),
        ("another key", {"key": ProofKey("RS256")}),
    ],
)
async def test_bad_assertions_are_invalid_client(
    auth_client: AuthClient, register_client: RegisterClient, name: str, changes: dict[str, Any]
) -> None:
    client = await register_client(jwks=jwks(KEY))
    changes = dict(changes)  # the table is shared by both databases' runs
    key = changes.pop("key", KEY)
    if "exp_in" in changes:
        changes["exp"] = int(time.time()) + changes.pop("exp_in")
    token = assertion(key, client.client_id, **changes)
    status, body = await _post(auth_client, "/token", assertion_form(token, **CC))
    assert (status, body["error"]) == (401, "invalid_client"), name


async def test_an_assertion_is_single_use_and_its_aud_may_be_the_endpoint(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(jwks=jwks(KEY))
    token = assertion(KEY, client.client_id, aud=ISSUER + "/token")
    status, body = await _post(auth_client, "/token", assertion_form(token, **CC))
    assert status == 200, body
    status, body = await _post(auth_client, "/token", assertion_form(token, **CC))
    assert (status, body["error"]) == (401, "invalid_client")
    # Without an assertion the client has no way in: it has no secret.
    status, body = await _post(auth_client, "/token", {**CC, "client_id": client.client_id})
    assert (status, body["error"]) == (401, "invalid_client")


async def test_introspection_and_revocation_take_assertions(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(jwks=jwks(KEY))
    form = assertion_form(assertion(KEY, client.client_id), **CC)
    access = (await _post(auth_client, "/token", form))[1]["access_token"]
    introspect = assertion(KEY, client.client_id, aud=ISSUER + "/introspect")
    status, body = await _post(auth_client, "/introspect", assertion_form(introspect, token=access))
    assert (status, body["active"]) == (200, True), body
    revoke = assertion(KEY, client.client_id)
    response = await auth_client.post("/revoke", data=assertion_form(revoke, token=access))
    assert response.status == 200
    again = assertion(KEY, client.client_id)
    status, body = await _post(auth_client, "/introspect", assertion_form(again, token=access))
    assert body == {"active": False}


async def test_keys_from_a_jwks_uri_are_cached_and_refetched_for_a_new_kid(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    auth_settings: Settings,
) -> None:
    published = PublishedKeys(jwks(KEY, "k1"))
    keys_app = web.Application()
    keys_app.router.add_get("/jwks", published.serve)
    keys_server = await aiohttp_server(keys_app)
    app = create_app(auth_settings)
    app[CLIENT_KEYS] = ClientKeys(cooldown=0.2)
    http = await aiohttp_client(app)
    client_id = await _register_uri_client(app, str(keys_server.make_url("/jwks")))
    for _ in range(3):
        form = assertion_form(assertion(KEY, client_id), **CC)
        assert (await _post(http, "/token", form))[0] == 200
    assert published.fetches == 1
    rotated = ProofKey("ES256")
    published.document = jwks(rotated, "k2")
    await asyncio.sleep(0.25)
    form = assertion_form(assertion(rotated, client_id, kid="k2"), **CC)
    assert (await _post(http, "/token", form))[0] == 200
    assert published.fetches == 2


async def _register_uri_client(app: web.Application, uri: str) -> str:
    request = new_client(name="uri", server_scopes=app[SETTINGS].scopes, jwks_uri=uri)
    return (await app[CLIENTS].create(request))[0].client_id


async def test_registration_takes_jwks_and_private_key_jwt(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    settings = dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)
    http = await aiohttp_client(create_app(settings))
    metadata = {
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwks(KEY),
    }
    status, _, info = await register(http, metadata)
    assert status == 201, info
    assert "client_secret" not in info
    assert info["jwks"] == jwks(KEY)
    form = assertion_form(assertion(KEY, info["client_id"]), **CC)
    assert (await _post(http, "/token", form))[0] == 200
    private = {**metadata, "jwks": {"keys": [KEY.private_jwk]}}
    status, _, body = await register(http, private)
    assert (status, body["error"]) == (400, "invalid_client_metadata")
    status, _, body = await register(http, {**metadata, "jwks": None})
    assert (status, body["error"]) == (400, "invalid_client_metadata")
