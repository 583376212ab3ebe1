"""Both real services on loopback: the resource server trusts only what the issuer publishes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.dpop import ALGORITHMS as DPOP_ALGORITHMS
from tests.resource_server.conftest import RealIssuer, RSClient, bearer, challenge
from tests.resource_server.issuer import AUDIENCE, b64url, new_key, sign_raw


async def published(real_issuer: RealIssuer) -> dict[str, Any]:
    """The first key of the real JWKS, found through the metadata as any client would."""
    async with aiohttp.ClientSession() as session:
        metadata_url = real_issuer.url + "/.well-known/oauth-authorization-server"
        async with session.get(metadata_url) as response:
            jwks_uri = (await response.json())["jwks_uri"]
        async with session.get(jwks_uri) as response:
            keys: list[dict[str, Any]] = (await response.json())["keys"]
    return keys[0]


def _decode(part: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=="))
    return value


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return _decode(header), _decode(payload)


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


@pytest.fixture
async def real_token(real_issuer: RealIssuer) -> str:
    return await real_issuer.token(*await real_issuer.register())


async def test_a_token_from_the_token_endpoint_is_accepted(
    rs_real: RSClient, real_token: str
) -> None:
    header, claims = parts(real_token)
    assert header["typ"] == "at+jwt"
    assert claims["aud"] == AUDIENCE
    assert (await rs_real.get("/account", headers=bearer(real_token))).status == 200


@pytest.mark.parametrize("form", ["pem", "jwk"])
async def test_hs256_keyed_with_the_published_public_key_is_refused(
    rs_real: RSClient, real_issuer: RealIssuer, real_token: str, form: str
) -> None:
    jwk = await published(real_issuer)
    header, claims = parts(real_token)
    if form == "pem":
        public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
        secret = public.public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        secret = json.dumps(jwk).encode()
    forged = hs256({**header, "alg": "HS256"}, claims, secret)
    response = await rs_real.get("/account", headers=bearer(forged))
    assert response.status == 401
    assert challenge(response)["error"] == "invalid_token"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_alg_none_over_real_claims_is_refused(
    rs_real: RSClient, real_token: str, alg: str
) -> None:
    header, claims = parts(real_token)
    forged = f"{b64url(json.dumps({**header, 'alg': alg}).encode())}."
    forged += f"{b64url(json.dumps(claims).encode())}."
    response = await rs_real.get("/account", headers=bearer(forged))
    assert response.status == 401
    assert challenge(response)["error"] == "invalid_token"


async def test_a_foreign_key_under_the_real_kid_is_refused(
    rs_real: RSClient, real_token: str
) -> None:
    header, claims = parts(real_token)
    forged = sign_raw(json.dumps(header), json.dumps(claims), new_key())
    response = await rs_real.get("/account", headers=bearer(forged))
    assert response.status == 401


async def test_raised_scope_under_the_real_signature_is_refused(
    rs_real: RSClient, real_issuer: RealIssuer
) -> None:
    token = await real_issuer.token(*await real_issuer.register(scope=("read",)))
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged_payload = b64url(json.dumps({**claims, "scope": "read write"}).encode())
    forged = f"{head}.{forged_payload}.{signature}"
    response = await rs_real.put("/account", json={}, headers=bearer(forged))
    assert response.status == 401


async def test_held_keys_still_validate_after_the_auth_server_stops(
    rs_real: RSClient, real_issuer: RealIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="resource_server")
    client = await real_issuer.register()
    seen, unseen = await real_issuer.token(*client), await real_issuer.token(*client)
    assert (await rs_real.get("/account", headers=bearer(seen))).status == 200
    await real_issuer.server.close()
    # A token never presented before needs a real verification with the held key.
    assert (await rs_real.get("/account", headers=bearer(unseen))).status == 200
    header, claims = parts(unseen)
    for kid in ("rotated-1", "rotated-2"):
        ghost = sign_raw(json.dumps({**header, "kid": kid}), json.dumps(claims), new_key())
        assert (await rs_real.get("/account", headers=bearer(ghost))).status == 401
        await asyncio.sleep(0.21)  # past the cooldown: each unknown kid tries a fetch
    assert (await rs_real.get("/readyz")).status == 200
    assert (await rs_real.put("/account", json={"ok": 1}, headers=bearer(unseen))).status == 200
    failures = [r for r in caplog.records if "cannot fetch the issuer's keys" in r.getMessage()]
    assert len(failures) == 1


async def test_protected_resource_metadata(rs_real: RSClient, real_issuer: RealIssuer) -> None:
    response = await rs_real.get("/.well-known/oauth-protected-resource")
    assert response.status == 200
    assert await response.json() == {
        "resource": AUDIENCE,
        "authorization_servers": [real_issuer.url],
        "scopes_supported": ["read", "write"],
        "bearer_methods_supported": ["header"],
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
    }
