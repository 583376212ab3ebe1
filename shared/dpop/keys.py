"""The public JWK a DPoP proof carries (RFC 9449 §4.2): checked, turned into a key, and
named by its RFC 7638 thumbprint."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.errors import InvalidDpopProof

# RFC 7518 §6.2.2, §6.3.2, §6.4.1, RFC 8037 §2: members only a private or secret key has.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# RFC 7638 §3.2: the required members a thumbprint covers, per key type.
REQUIRED_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}
CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "EdDSA": "Ed25519"}
MIN_RSA_BITS = 2048
_VALUES = {
    ord(c): i
    for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def canonical_b64url(text: str) -> bool:
    """Text that decodes and encodes back to itself: no padding, no set unused bits."""
    try:
        return b64url(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) == text
    except (ValueError, TypeError):
        return False


def canonical_length_and_tail(text: bytes) -> bool:
    """RFC 4648 §3.5, for a part a strict decoder reads anyway: a length base64url can have and
    a last character whose unused bits are zero (checked in O(1), not by re-encoding)."""
    rest = len(text) % 4
    if rest == 0:
        return True
    last = _VALUES.get(text[-1])
    # 2 leftover characters carry 4 unused bits, 3 carry 2; 1 is never a valid length.
    return rest != 1 and last is not None and last & (0b1111 if rest == 2 else 0b11) == 0


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 of the required members, sorted, without whitespace."""
    members = {name: jwk[name] for name in REQUIRED_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def public_key(jwk: Any, alg: str) -> jwt.PyJWK:
    """The proof's key for `alg`; refused if private, of another type or curve, or weak."""
    if not isinstance(jwk, dict):
        raise InvalidDpopProof("the proof has no jwk header")
    if PRIVATE_MEMBERS & jwk.keys():
        raise InvalidDpopProof("the proof's jwk holds private key material")
    kty = jwk.get("kty")
    required = REQUIRED_MEMBERS.get(kty) if isinstance(kty, str) else None
    if required is None:
        raise InvalidDpopProof("the proof's jwk is not an RSA, EC or OKP key")
    for name in required:
        value = jwk.get(name)
        if not isinstance(value, str) or (
            name not in ("kty", "crv") and not canonical_b64url(value)
        ):
            raise InvalidDpopProof("the proof's jwk is malformed")
    # RFC 7518 §3.4, RFC 8037 §3.1: the curve is the algorithm's.
    if kty != "RSA" and jwk["crv"] != CURVES.get(alg):
        raise InvalidDpopProof("the proof's jwk does not fit its alg")
    try:
        key = jwt.PyJWK(jwk, algorithm=alg)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
        raise InvalidDpopProof("the proof's jwk does not fit its alg") from None
    if isinstance(key.key, rsa.RSAPublicKey) and key.key.key_size < MIN_RSA_BITS:
        raise InvalidDpopProof("the proof's RSA key is too short")
    return key
