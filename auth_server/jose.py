"""The JOSE pieces we need: public JWKs, RFC 7638 thumbprints and compact JWS signing."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

RSA_KEY_BITS = 2048


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def generate_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key of the size RFC 7518 §3.3 asks for at least."""
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)


def rsa_public_members(key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The required members of an RSA public JWK (RFC 7518 §6.3.1)."""
    numbers = key.public_key().public_numbers()
    return {"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)}


def rsa_public_key(jwk: dict[str, str]) -> rsa.RSAPublicKey:
    """The public key of an RSA JWK (RFC 7518 §6.3.1)."""

    def number(member: str) -> int:
        text = jwk[member]
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    return rsa.RSAPublicNumbers(number("e"), number("n")).public_key()


def thumbprint(required_members: dict[str, str]) -> str:
    """RFC 7638 §3: SHA-256 over the required members, sorted, no whitespace."""
    canonical = json.dumps(required_members, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def public_jwk(key: rsa.RSAPrivateKey, alg: str) -> dict[str, str]:
    """The published form of a signing key: its `kid` is its thumbprint."""
    members = rsa_public_members(key)
    return {**members, "kid": thumbprint(members), "use": "sig", "alg": alg}


class JwsSigner:
    """Signs compact JWS with one key; the header is encoded once, not per token."""

    def __init__(self, key: rsa.RSAPrivateKey, kid: str, alg: str = "RS256", typ: str = "at+jwt"):
        if alg != "RS256":
            raise ValueError(f"unsupported signing algorithm {alg}")
        self.kid = kid
        self.alg = alg
        self._key = key
        header = {"alg": alg, "typ": typ, "kid": kid}
        self._header = b64url(json.dumps(header, separators=(",", ":")).encode())

    def sign(self, claims: dict[str, Any]) -> str:
        """The compact serialization of a JWS over these claims (RFC 7515 §7.1)."""
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{self._header}.{payload}"
        signature = self._key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{b64url(signature)}"
