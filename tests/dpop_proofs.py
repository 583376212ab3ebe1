"""DPoP proofs as a client makes them (RFC 9449 §4.2), and the ways an attacker bends them."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ath(token: str) -> str:
    return b64url(hashlib.sha256(token.encode()).digest())


class ProofKey:
    """A client's DPoP key pair: signs proofs and knows its RFC 7638 thumbprint."""

    def __init__(self, alg: str = "ES256", key: PrivateKey | None = None) -> None:
        self.alg = alg
        if key is None:
            if alg == "ES256":
                key = ec.generate_private_key(ec.SECP256R1())
            elif alg in ("EdDSA", "Ed25519"):
                key = ed25519.Ed25519PrivateKey.generate()
            else:
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key = key
        algorithm = jwt.get_algorithm_by_name("EdDSA" if alg == "Ed25519" else alg)
        self.jwk: dict[str, Any] = json.loads(algorithm.to_jwk(key.public_key()))
        self.private_jwk: dict[str, Any] = json.loads(algorithm.to_jwk(key))

    @property
    def jkt(self) -> str:
        required = {
            "RSA": ("e", "kty", "n"),
            "EC": ("crv", "kty", "x", "y"),
            "OKP": ("crv", "kty", "x"),
        }
        members = {k: self.jwk[k] for k in required[self.jwk["kty"]]}
        canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
        return b64url(hashlib.sha256(canonical.encode()).digest())

    def claims(self, htm: str, htu: str, token: str | None = None, **extra: Any) -> dict[str, Any]:
        claims = {"jti": secrets.token_urlsafe(12), "htm": htm, "htu": htu, "iat": int(time.time())}
        if token is not None:
            claims["ath"] = ath(token)
        return {**claims, **extra}

    def header(self, **extra: Any) -> dict[str, Any]:
        return {"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk, **extra}

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        """A compact JWS over exactly this header and these claims."""
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        )
        alg = "EdDSA" if self.alg == "Ed25519" else self.alg
        algorithm = jwt.get_algorithm_by_name(alg)
        signature = algorithm.sign(signing_input.encode(), algorithm.prepare_key(self.key))
        return f"{signing_input}.{b64url(signature)}"

    def proof(self, htm: str, htu: str, token: str | None = None, **extra: Any) -> str:
        return self.sign(self.header(), self.claims(htm, htu, token, **extra))
