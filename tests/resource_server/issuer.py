"""A small issuer the tests control: real RSA keys, real HTTP, and counters."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import time
from typing import Any
from urllib.parse import unquote_plus

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AUDIENCE = "http://rs.test"
JWKS_PATH = "/jwks.json"
FEED_PATH = "/revocations"
FEED_CLIENT_ID = "rs client:1"
FEED_CLIENT_SECRET = "s3cret/+=&x"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def issuer_key() -> rsa.RSAPrivateKey:
    """One real key for every test issuer: generating one per test is slow."""
    return new_key()


def public_jwk(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    """The published form of a key, as an issuer would publish it."""
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256", **extra}


def sign_raw(header: str, payload: str, key: rsa.RSAPrivateKey, alg: str = "RS256") -> str:
    """A compact JWS over these exact JSON texts, signed with RSA PKCS#1 v1.5 or PSS."""
    signing_input = f"{b64url(header.encode())}.{b64url(payload.encode())}"
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    pad: padding.AsymmetricPadding = padding.PKCS1v15()
    if alg.startswith("PS"):
        pad = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    signature = key.sign(signing_input.encode(), pad, digest)
    return f"{signing_input}.{b64url(signature)}"


class TestIssuer:
    """Serves RFC 8414 metadata and a JWKS; the test decides what and when."""

    __test__ = False

    def __init__(self) -> None:
        self.key = issuer_key()
        self.kid = "k1"
        self.published: list[dict[str, Any]] = [public_jwk(self.key, self.kid)]
        self.jwks_fetches = 0
        self.metadata_fetches = 0
        self.failing = False
        self.delay = 0.0
        self.gate: asyncio.Event | None = None
        self.cache_control = "public, max-age=300"
        self.raw_jwks: bytes | None = None
        self.issuer = ""
        self.claimed_issuer: str | None = None
        # The revocation feed (our RFC 8414 extension), as the contract describes it.
        self.feed_enabled = False
        self.feed_failing = False
        self.feed_page_size = 1000
        self.feed_client = (FEED_CLIENT_ID, FEED_CLIENT_SECRET)
        self.revocations: list[dict[str, Any]] = []
        self.feed_cursors: list[str | None] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/oauth-authorization-server", self._metadata)
        app.router.add_get(JWKS_PATH, self._jwks)
        app.router.add_get(FEED_PATH, self._feed)
        return app

    def revoke(self, jti: str, exp: int | None = None) -> None:
        """Add a revocation to the feed."""
        self.revocations.append({"jti": jti, "exp": exp or int(time.time()) + 600})

    def _authenticated(self, request: web.Request) -> bool:
        """RFC 6749 §2.3.1 as the issuer reads it: Basic, then form-urldecode each half."""
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Basic":
            return False
        pair = base64.b64decode(encoded).decode()
        client_id, _, secret = pair.partition(":")
        return (unquote_plus(client_id), unquote_plus(secret)) == self.feed_client

    async def _feed(self, request: web.Request) -> web.Response:
        """GET ?after=CURSOR: revoked jtis after the cursor, a page at a time."""
        after = request.query.get("after")
        self.feed_cursors.append(after)
        if self.feed_failing:
            return web.json_response({"error": "down"}, status=503)
        if not self._authenticated(request):
            return web.json_response({"error": "invalid_client"}, status=401)
        start = int(after) if after is not None else 0
        page = self.revocations[start : start + self.feed_page_size]
        end = start + len(page)
        more = end < len(self.revocations)
        return web.json_response({"revoked": page, "cursor": str(end), "more": more})

    async def _metadata(self, request: web.Request) -> web.Response:
        self.metadata_fetches += 1
        claimed = self.claimed_issuer or self.issuer
        metadata = {"issuer": claimed, "jwks_uri": self.issuer + JWKS_PATH}
        if self.feed_enabled:
            metadata["revocation_feed_endpoint"] = self.issuer + FEED_PATH
        return web.json_response(metadata)

    async def _jwks(self, request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failing:
            return web.json_response({"error": "down"}, status=503)
        body = self.raw_jwks or json.dumps({"keys": self.published}).encode()
        headers = {"Cache-Control": self.cache_control}
        return web.Response(body=body, content_type="application/json", headers=headers)

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Good claims for the resource server under test, with changes (None removes)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user-1",
            "aud": AUDIENCE,
            "exp": now + 600,
            "iat": now,
            "jti": f"jti-{time.monotonic_ns()}",
            "client_id": "client-1",
            "scope": "read write",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self,
        claims: dict[str, Any] | None = None,
        *,
        key: rsa.RSAPrivateKey | None = None,
        alg: str = "RS256",
        **header: Any,
    ) -> str:
        """A token signed with the issuer's key (or another), header fields overridable."""
        full_header = {"alg": alg, "typ": "at+jwt", "kid": self.kid, **header}
        full_header = {k: v for k, v in full_header.items() if v is not None}
        payload = json.dumps(self.claims() if claims is None else claims)
        return sign_raw(json.dumps(full_header), payload, key or self.key, alg)
