"""RS256, PS256, ES256 and EdDSA: keys of the right kind, published with their `alg`, and tokens the
real resource server accepts when its allow-list names that algorithm."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import jwt
import pytest
from aiohttp import encode_basic_auth, web
from aiohttp.test_utils import TestClient, unused_port
from pytest_aiohttp import AiohttpClient, AiohttpServer

import resource_server
from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, KEYRING, SETTINGS
from auth_server.clients.policy import new_client
from auth_server.signing.jose import (
    JwsSigner,
    generate_key,
    generate_rsa_key,
    public_jwk,
    public_key,
    thumbprint,
)
from auth_server.signing.schedule import RotationPolicy
from auth_server.storage import open_storage
from tests.auth_server.conftest import random_secret

AUDIENCE = "http://rs.test"
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
RSClient = TestClient[web.Request, web.Application]


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_each_algorithm_signs_what_pyjwt_verifies_with_the_published_key(alg: str) -> None:
    key = generate_key(alg)
    jwk = public_jwk(key, alg)
    token = JwsSigner(key, jwk["kid"], alg).sign({"sub": "s"})
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "typ": "at+jwt", "kid": jwk["kid"]}
    verifier = jwt.PyJWK(jwk)
    assert jwt.decode(token, verifier.key, algorithms=[alg]) == {"sub": "s"}
    others = [other for other in ALGORITHMS if other != alg]
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, verifier.key, algorithms=others)


def test_an_ec_key_is_published_by_curve_and_coordinates_named_by_its_thumbprint() -> None:
    jwk = public_jwk(generate_key("ES256"), "ES256")
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], jwk["use"]) == ("EC", "P-256", "sig")
    assert len(b64decode(jwk["x"])) == len(b64decode(jwk["y"])) == 32
    # RFC 7638 §3.2, computed here independently of the server's code.
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest())
    assert jwk["kid"] == expected.rstrip(b"=").decode()


def test_an_ed25519_key_is_published_as_okp_and_its_thumbprint_is_rfc_8037s() -> None:
    key = generate_key("EdDSA")
    jwk = public_jwk(key, "EdDSA")
    assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], len(b64decode(jwk["x"]))) == ("OKP", "Ed25519", 32)
    assert public_key(jwk) == key.public_key()
    # RFC 8037 §A.3: the thumbprint of the example public key.
    example = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(example) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_key_signs_only_the_algorithms_of_its_kind() -> None:
    with pytest.raises(ValueError, match="ES256"):
        JwsSigner(generate_rsa_key(), "k", "ES256")
    with pytest.raises(ValueError, match="RS256"):
        JwsSigner(generate_key("ES256"), "k", "RS256")
    with pytest.raises(ValueError, match="EdDSA"):
        JwsSigner(generate_key("ES256"), "k", "EdDSA")
    with pytest.raises(ValueError, match="ES256"):
        JwsSigner(generate_key("EdDSA"), "k", "ES256")


@dataclass(frozen=True)
class Issuer:
    """The real authorization server on a loopback port, and a client of it."""

    app: web.Application
    url: str
    basic: str

    async def token(self) -> str:
        """A client-credentials token from the token endpoint."""
        form = {"grant_type": "client_credentials"}
        headers = {"Authorization": self.basic}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/token", data=form, headers=headers) as response,
        ):
            assert response.status == 200, await response.text()
            token: str = (await response.json())["access_token"]
        return token


StartIssuer = Callable[[str], Awaitable[Issuer]]
StartRS = Callable[[Issuer, tuple[str, ...]], Awaitable[RSClient]]


@pytest.fixture
def start_issuer(aiohttp_server: AiohttpServer, database_url: str, tmp_path: Path) -> StartIssuer:
    """The authorization server, its new keys of algorithm `alg`, and a registered client."""

    async def start(alg: str) -> Issuer:
        port = unused_port()
        url = f"http://127.0.0.1:{port}"
        settings = Settings(
            issuer=url,
            database_url=database_url,
            data_dir=tmp_path,
            default_audience=AUDIENCE,
            key_encryption_key=random_secret(),
            secret_pepper=random_secret(),
            signing_alg=alg,
        )
        app = create_app(settings)
        await aiohttp_server(app, port=port)
        request = new_client(name="alg", scope=("read",), server_scopes=settings.scopes)
        client, secret = await app[CLIENTS].create(request)
        return Issuer(app, url, encode_basic_auth(client.client_id, secret or ""))

    return start


@pytest.fixture
def start_rs(aiohttp_client: AiohttpClient, database_url: str) -> StartRS:
    """A resource server trusting the issuer, with RESOURCE_ALGORITHMS set to `allowed`."""

    async def start(issuer: Issuer, allowed: tuple[str, ...]) -> RSClient:
        settings = resource_server.Settings(
            identifier=AUDIENCE, issuer=issuer.url, database_url=database_url, algorithms=allowed
        )
        rs = await aiohttp_client(resource_server.create_app(settings))
        await until(lambda: ready(rs))
        return rs

    return start


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait (five seconds at most) until the condition holds."""
    async with asyncio.timeout(5):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def ready(rs: RSClient) -> bool:
    return (await rs.get("/readyz")).status == 200


async def account(rs: RSClient, token: str) -> int:
    return (await rs.get("/account", headers={"Authorization": f"Bearer {token}"})).status


@pytest.mark.parametrize("alg", ["PS256", "ES256", "EdDSA"])
async def test_the_resource_server_accepts_tokens_of_the_algorithm_it_allows(
    start_issuer: StartIssuer, start_rs: StartRS, alg: str
) -> None:
    issuer = await start_issuer(alg)
    rs = await start_rs(issuer, (alg,))
    jwks = json.loads(issuer.app[KEYRING].jwks)
    assert [key["alg"] for key in jwks["keys"]] == [alg]
    token = await issuer.token()
    assert jwt.get_unverified_header(token)["alg"] == alg
    assert await account(rs, token) == 200
    signing_input, signature = token.rsplit(".", 1)
    forged = b64decode(signature)[:-1] + bytes([b64decode(signature)[-1] ^ 1])
    forged_token = f"{signing_input}.{base64.urlsafe_b64encode(forged).rstrip(b'=').decode()}"
    assert await account(rs, forged_token) == 401


async def test_a_new_algorithm_takes_effect_by_a_rotation(
    start_issuer: StartIssuer, start_rs: StartRS
) -> None:
    issuer = await start_issuer("RS256")
    both, old_only = await start_rs(issuer, ("RS256", "ES256")), await start_rs(issuer, ("RS256",))
    rs256 = await issuer.token()
    # AUTH_SIGNING_ALG=ES256 on every replica, then `keys rotate` (here with a short lead).
    settings = issuer.app[SETTINGS]
    storage = await open_storage(settings)
    try:
        policy = RotationPolicy(alg="ES256", lead=2, interval=3600, retention=60)
        await storage.keys.rotate(policy)
    finally:
        await storage.database.close()
    es256 = ""

    async def signing_es256() -> bool:
        nonlocal es256
        es256 = await issuer.token()
        return bool(jwt.get_unverified_header(es256)["alg"] == "ES256")

    await until(signing_es256)
    jwks = json.loads(issuer.app[KEYRING].jwks)
    assert [key["alg"] for key in jwks["keys"]] == ["RS256", "ES256"]
    assert [await account(both, rs256), await account(both, es256)] == [200, 200]
    assert [await account(old_only, rs256), await account(old_only, es256)] == [200, 401]
