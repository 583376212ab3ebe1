"""Every proof attack of tests/dpop_attacks.py is refused with `invalid_dpop_proof` at both
services (400 at the token endpoint, 401 with a DPoP challenge at the resource server), while
the honest proof for the same request is accepted, so each case can fail."""

from __future__ import annotations

from typing import Any

import aiohttp
from multidict import CIMultiDict

from auth_server.appkeys import CLIENTS
from auth_server.clients.policy import new_client
from tests.dpop_attacks import ATTACKS, TOKEN_ATTACKS, Request
from tests.dpop_proofs import ProofKey
from tests.resource_server.conftest import RealIssuer, RSClient
from tests.resource_server.issuer import AUDIENCE

ACCOUNT = AUDIENCE + "/account"


async def _dpop_client(issuer: RealIssuer) -> tuple[str, str]:
    request = new_client(
        name="dpop", scope=("read",), server_scopes=("read", "write"), dpop_bound=True
    )
    client, secret = await issuer.app[CLIENTS].create(request)
    assert secret is not None
    return client.client_id, secret


async def _token_request(
    issuer: RealIssuer, client: tuple[str, str], proofs: list[str]
) -> tuple[int, dict[str, Any]]:
    headers = CIMultiDict[str]([("Authorization", aiohttp.encode_basic_auth(*client))])
    headers.extend(("DPoP", proof) for proof in proofs)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            issuer.url + "/token",
            data={"grant_type": "client_credentials"},
            headers=headers,
        ) as response,
    ):
        return response.status, await response.json()


async def test_every_proof_attack_is_refused_at_the_token_endpoint(
    real_issuer: RealIssuer,
) -> None:
    client = await _dpop_client(real_issuer)
    key = ProofKey()
    honest = Request(key, "POST", real_issuer.url + "/token", None)
    status, body = await _token_request(real_issuer, client, [key.proof("POST", honest.htu)])
    assert (status, body["token_type"]) == (200, "DPoP")
    assert (await _token_request(real_issuer, client, []))[1]["error"] == "invalid_dpop_proof"
    accepted = []
    for name, attack in ATTACKS.items():
        status, body = await _token_request(real_issuer, client, attack(honest))
        if (status, body.get("error")) != (400, "invalid_dpop_proof"):
            accepted.append((name, status, body))
    assert accepted == []


async def test_every_proof_attack_is_refused_at_the_resource_server(
    real_issuer: RealIssuer, rs_real: RSClient
) -> None:
    client = await _dpop_client(real_issuer)
    key = ProofKey("EdDSA")
    proof = key.proof("POST", real_issuer.url + "/token")
    token = (await _token_request(real_issuer, client, [proof]))[1]["access_token"]
    honest = Request(key, "GET", ACCOUNT, token)

    async def get(proofs: list[str]) -> aiohttp.ClientResponse:
        headers = CIMultiDict[str]([("Authorization", f"DPoP {token}")])
        headers.extend(("DPoP", p) for p in proofs)
        return await rs_real.get("/account", headers=headers)

    assert (await get([key.proof("GET", ACCOUNT, token)])).status == 200
    replayed = key.proof("GET", ACCOUNT, token)
    assert (await get([replayed])).status == 200
    refusals = {"replayed proof": await get([replayed]), "no proof": await get([])}
    for name, attack in {**ATTACKS, **TOKEN_ATTACKS}.items():
        refusals[name] = await get(attack(honest))
    accepted: list[tuple[Any, ...]] = []
    for name, response in refusals.items():
        challenge = response.headers.get("WWW-Authenticate", "")
        body = await response.json()
        if response.status != 401 or body["error"] != "invalid_dpop_proof":
            accepted.append((name, response.status, body))
        elif (
            not challenge.startswith("DPoP ")
            or 'error="invalid_dpop_proof"' not in challenge
            or "algs=" not in challenge
        ):
            accepted.append((name, challenge))
    assert accepted == []
