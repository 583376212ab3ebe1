"""A token served from the verified-token cache is still held to every per-request rule: its
scope, its binding to a DPoP key, and its very bytes (the cache is keyed by the token's end)."""

from __future__ import annotations

from resource_server.appkeys import VALIDATOR
from tests.dpop_proofs import ProofKey
from tests.resource_server.conftest import RealIssuer, RSClient, bearer, challenge
from tests.resource_server.issuer import AUDIENCE, TestIssuer


async def test_a_cached_token_still_needs_the_routes_scope(
    rs: RSClient, issuer: TestIssuer
) -> None:
    token = issuer.token(issuer.claims(scope="read"))
    assert (await rs.get("/account", headers=bearer(token))).status == 200  # now cached
    refused = await rs.put("/account", json={"a": 1}, headers=bearer(token))
    assert refused.status == 403
    assert challenge(refused)["error"] == "insufficient_scope"
    assert (await rs.get("/account", headers=bearer(token))).status == 200


async def test_a_token_ending_like_a_cached_one_is_verified(
    rs: RSClient, issuer: TestIssuer
) -> None:
    assert rs.app is not None
    validator = rs.app[VALIDATOR]
    token = issuer.token()
    assert (await rs.get("/account", headers=bearer(token))).status == 200  # now cached
    header, _, signature = token.split(".")
    other = issuer.token(issuer.claims(sub="someone-else")).split(".")[1]
    forged = f"{header}.{other}.{signature}"  # another payload under the cached signature
    before = validator.verifications
    refused = await rs.get("/account", headers=bearer(forged))
    assert refused.status == 401
    assert challenge(refused)["error_description"] == "the token's signature does not verify"
    assert validator.verifications == before + 1
    assert (await rs.get("/account", headers=bearer(token))).status == 200


async def test_a_cached_dpop_bound_token_is_still_refused_as_bearer(
    rs_real: RSClient, real_issuer: RealIssuer
) -> None:
    key = ProofKey()
    token = await real_issuer.dpop_token(key)
    proof = key.proof("GET", AUDIENCE + "/account", token)
    dpop = {"Authorization": f"DPoP {token}", "DPoP": proof}
    assert (await rs_real.get("/account", headers=dpop)).status == 200  # now cached
    downgraded = await rs_real.get("/account", headers=bearer(token))
    assert (downgraded.status, (await downgraded.json())["error"]) == (401, "invalid_token")
    replayed = await rs_real.get("/account", headers=dpop)
    assert replayed.status == 401, "each request needs its own proof"
    fresh = key.proof("GET", AUDIENCE + "/account", token)
    ok = await rs_real.get("/account", headers={"Authorization": f"DPoP {token}", "DPoP": fresh})
    assert ok.status == 200
