"""A client's own public keys (RFC 7591 §2 `jwks`, RFC 7517): checked when registered and read
when its assertions are verified (RFC 7523 §2.2)."""

from __future__ import annotations

import json
from typing import Any

import jwt

# RFC 7518 §6.2.2, §6.3.2, §6.4.1, RFC 8037 §2: members only a private or secret key has.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# RFC 7518 §3.1 (and RFC 8037 §3.1): the asymmetric algorithms a client may sign with.
ASSERTION_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
MAX_JWKS_BYTES = 64 * 1024


class ClientKeysError(ValueError):
    """A client's `jwks` is not a set of public signing keys we can use."""


def check_jwks(document: Any) -> str:
    """A registered `jwks` as the compact JSON text we store; ClientKeysError if unusable."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ClientKeysError("jwks must be a JSON object with a keys array")
    text = json.dumps(document, separators=(",", ":"))
    if len(text) > MAX_JWKS_BYTES:
        raise ClientKeysError("jwks is too large")
    for member in document["keys"]:
        if not isinstance(member, dict):
            raise ClientKeysError("every member of jwks.keys must be an object")
        if PRIVATE_MEMBERS & member.keys():
            raise ClientKeysError("jwks must hold public keys only")
    if not usable_keys(document):
        raise ClientKeysError("jwks holds no usable public signing key")
    return text


def usable_keys(document: Any) -> list[dict[str, Any]]:
    """The public signing keys of a JWKS as JWK members (private or unusable ones skipped)."""
    members = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(members, list):
        return []
    keys: list[dict[str, Any]] = []
    for member in members:
        if not isinstance(member, dict) or PRIVATE_MEMBERS & member.keys():
            continue
        if member.get("use", "sig") != "sig" or member.get("kty") not in ("RSA", "EC", "OKP"):
            continue
        try:
            jwt.PyJWK(member)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
        keys.append(member)
    return keys
