"""RESOURCE_DPOP at the resource server (RFC 9449 §7): `required` refuses Bearer tokens with a
DPoP challenge and says so in its RFC 9728 metadata; `allowed` takes both, each in its scheme."""

from __future__ import annotations

from pytest_aiohttp import AiohttpClient

from resource_server import Settings
from tests.dpop_proofs import ProofKey
from tests.resource_server.conftest import RealIssuer, RSClient, bearer, serve_rs, wait_ready
from tests.resource_server.issuer import AUDIENCE


async def test_dpop_required_refuses_bearer_tokens_and_says_so(
    aiohttp_client: AiohttpClient, database_url: str, real_issuer: RealIssuer
) -> None:
    settings = Settings(
        identifier=AUDIENCE, issuer=real_issuer.url, database_url=database_url, dpop="required"
    )
    rs = await serve_rs(aiohttp_client, settings)
    await wait_ready(rs)
    metadata = await (await rs.get("/.well-known/oauth-protected-resource")).json()
    assert metadata["dpop_bound_access_tokens_required"] is True
    assert "ES256" in metadata["dpop_signing_alg_values_supported"]
    plain = await real_issuer.token(*await real_issuer.register(scope=("read",)))
    refused = await rs.get("/account", headers=bearer(plain))
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"].startswith("DPoP ")
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    missing = await rs.get("/account")
    assert missing.headers["WWW-Authenticate"].startswith("DPoP ")
    key = ProofKey("Ed25519")
    token = await real_issuer.dpop_token(key)
    proof = key.proof("GET", AUDIENCE + "/account", token)
    ok = await rs.get("/account", headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert ok.status == 200


async def test_dpop_allowed_takes_each_token_in_its_own_scheme(
    rs_real: RSClient, real_issuer: RealIssuer
) -> None:
    metadata = await (await rs_real.get("/.well-known/oauth-protected-resource")).json()
    assert "dpop_bound_access_tokens_required" not in metadata
    plain = await real_issuer.token(*await real_issuer.register(scope=("read",)))
    assert (await rs_real.get("/account", headers=bearer(plain))).status == 200
    as_dpop = await rs_real.get(
        "/account", headers={"Authorization": f"DPoP {plain}", "DPoP": "x.y.z"}
    )
    assert (as_dpop.status, (await as_dpop.json())["error"]) == (401, "invalid_token")
    key = ProofKey()
    bound = await real_issuer.dpop_token(key)
    downgraded = await rs_real.get("/account", headers=bearer(bound))
    assert (downgraded.status, (await downgraded.json())["error"]) == (401, "invalid_token")
    assert downgraded.headers["WWW-Authenticate"].startswith("Bearer ")
    proof = key.proof("GET", AUDIENCE + "/account", bound)
    ok = await rs_real.get("/account", headers={"Authorization": f"DPoP {bound}", "DPoP": proof})
    assert ok.status == 200
