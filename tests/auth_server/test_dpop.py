"""DPoP at the token endpoint (RFC 9449 §5): bound tokens, bound refresh tokens, clients that
must use DPoP, replays refused by every worker, and server nonces."""

from __future__ import annotations

import dataclasses

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import SETTINGS
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import (
    REDIRECT_URI,
    AuthClient,
    RegisterClient,
    Registered,
)
from tests.auth_server.flows import INITIAL_TOKEN, register, sign_in_and_approve, verify
from tests.auth_server.keyflows import dpop_token, proof_for_token
from tests.auth_server.lifecycle import introspect
from tests.dpop_proofs import ProofKey

pytestmark = pytest.mark.usefixtures("database_kind")
CC = {"grant_type": "client_credentials"}


async def test_a_proof_binds_the_access_token_to_its_key(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    key = ProofKey()
    status, headers, body = await dpop_token(
        auth_client, CC, registered_client, proof=proof_for_token(key)
    )
    assert (status, body["token_type"]) == (200, "DPoP"), body
    assert headers["Cache-Control"] == "no-store"
    assert (await verify(auth_client, body["access_token"]))["cnf"] == {"jkt": key.jkt}
    described = await introspect(auth_client, registered_client, body["access_token"])
    assert described["cnf"] == {"jkt": key.jkt}  # RFC 9449 §6.2
    status, _, plain = await dpop_token(auth_client, CC, registered_client)
    assert (status, plain["token_type"]) == (200, "Bearer")
    assert "cnf" not in await verify(auth_client, plain["access_token"])


async def test_a_public_clients_refresh_token_is_bound_to_its_key(
    auth_client: AuthClient, register_client: RegisterClient, user_id: str
) -> None:
    app = await register_client(redirect_uris=(REDIRECT_URI,), public=True, scope=("read",))
    key = ProofKey("EdDSA")
    code, verifier = await sign_in_and_approve(Browser(auth_client), app)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    status, _, first = await dpop_token(
        auth_client, {**form, "code_verifier": verifier}, app, proof=proof_for_token(key)
    )
    assert (status, first["token_type"]) == (200, "DPoP"), first
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    status, _, body = await dpop_token(auth_client, refresh, app)
    assert (status, body["error"]) == (400, "invalid_dpop_proof")
    other = proof_for_token(ProofKey())
    status, _, body = await dpop_token(auth_client, refresh, app, proof=other)
    assert (status, body["error"]) == (400, "invalid_grant")
    # Refused requests spent nothing: the right key still refreshes.
    status, _, body = await dpop_token(auth_client, refresh, app, proof=proof_for_token(key))
    assert (status, body["token_type"]) == (200, "DPoP"), body
    assert (await verify(auth_client, body["access_token"]))["cnf"]["jkt"] == key.jkt


async def test_a_dpop_bound_client_must_send_a_proof(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(dpop_bound=True)
    status, _, body = await dpop_token(auth_client, CC, client)
    assert (status, body["error"]) == (400, "invalid_dpop_proof")
    status, _, body = await dpop_token(auth_client, CC, client, proof=proof_for_token(ProofKey()))
    assert status == 200, body


async def test_registration_with_dpop_bound_access_tokens(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    settings = dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)
    http = await aiohttp_client(create_app(settings))
    metadata = {"grant_types": ["client_credentials"], "dpop_bound_access_tokens": True}
    status, _, info = await register(http, metadata)
    assert (status, info["dpop_bound_access_tokens"]) == (201, True), info
    client = Registered(info["client_id"], info["client_secret"])
    assert (await dpop_token(http, CC, client))[2]["error"] == "invalid_dpop_proof"
    status, _, body = await register(http, {**metadata, "dpop_bound_access_tokens": "yes"})
    assert (status, body["error"]) == (400, "invalid_client_metadata")


async def test_a_replayed_proof_is_refused_by_every_worker(
    aiohttp_client: AiohttpClient, auth_client: AuthClient, registered_client: Registered
) -> None:
    other_worker = await aiohttp_client(create_app(auth_client.app[SETTINGS]))
    proof = proof_for_token(ProofKey())
    assert (await dpop_token(auth_client, CC, registered_client, proof=proof))[0] == 200
    for worker in (auth_client, other_worker):
        status, _, body = await dpop_token(worker, CC, registered_client, proof=proof)
        assert (status, body["error"]) == (400, "invalid_dpop_proof")


async def test_server_nonces_work_across_workers(
    aiohttp_client: AiohttpClient, auth_client: AuthClient, registered_client: Registered
) -> None:
    settings = dataclasses.replace(auth_client.app[SETTINGS], dpop_nonce=True)
    first, second = [await aiohttp_client(create_app(settings)) for _ in range(2)]
    key = ProofKey()
    status, headers, body = await dpop_token(
        first, CC, registered_client, proof=proof_for_token(key)
    )
    assert (status, body["error"]) == (400, "use_dpop_nonce")
    nonce = headers["DPoP-Nonce"]
    proof = proof_for_token(key, nonce=nonce)
    status, _, body = await dpop_token(second, CC, registered_client, proof=proof)
    assert (status, body["token_type"]) == (200, "DPoP"), body
    wrong = proof_for_token(key, nonce="not-the-servers")
    assert (await dpop_token(first, CC, registered_client, proof=wrong))[2]["error"] == (
        "use_dpop_nonce"
    )
