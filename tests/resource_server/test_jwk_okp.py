"""RFC 8037 keys in a JWKS: an Ed25519 key verifies EdDSA when it is allowed; other OKP
curves and keys with private material are skipped."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

from resource_server.jwk import accept_jwks


def raw_x(key: ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_an_ed25519_key_is_kept_for_eddsa_only_when_eddsa_is_allowed() -> None:
    member = {
        "kty": "OKP",
        "crv": "Ed25519",
        "kid": "ed",
        "x": raw_x(ed25519.Ed25519PrivateKey.generate()),
    }
    allowed = accept_jwks({"keys": [member]}, ["RS256", "EdDSA"])
    assert list(allowed.keys) == [("ed", "EdDSA")]
    refused = accept_jwks({"keys": [member]}, ["RS256"])
    assert not refused.keys
    assert refused.skipped == ("ed: no allowed algorithm for this key",)


def test_ed448_and_private_okp_keys_are_skipped() -> None:
    ed448_member = {
        "kty": "OKP",
        "crv": "Ed448",
        "kid": "448",
        "x": raw_x(ed448.Ed448PrivateKey.generate()),
    }
    private = {
        "kty": "OKP",
        "crv": "Ed25519",
        "kid": "private",
        "x": raw_x(ed25519.Ed25519PrivateKey.generate()),
        "d": "AAAA",
    }
    found = accept_jwks({"keys": [ed448_member, private]}, ["EdDSA"])
    assert not found.keys
    assert len(found.skipped) == 2
