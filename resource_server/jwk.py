"""Which published keys we trust: public signing keys of an allowed algorithm (RFC 7517)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

# RFC 7518 §6.2.2, §6.3.2; `k` is a symmetric key's secret (§6.4.1).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
# RFC 8037 §3.1: an OKP key on Ed25519 signs EdDSA; Ed448 and X25519 we do not accept.
OKP_ALGORITHMS = {"Ed25519": "EdDSA"}
# RFC 7518 §3.3: a key of 2048 bits or larger MUST be used with these algorithms.
MIN_RSA_BITS = 2048

KeyId = tuple[str, str]
"""A key as a token names it: (`kid`, `alg`)."""


@dataclass(frozen=True, slots=True)
class KeySet:
    """The keys we accept from one JWKS document, by (`kid`, `alg`)."""

    keys: Mapping[KeyId, jwt.PyJWK]
    published: frozenset[str]
    """Every `kid` in the document, used or not: naming one is no reason to fetch again."""
    skipped: tuple[str, ...]


def accept_jwks(document: Mapping[str, Any], algorithms: Iterable[str]) -> KeySet:
    """Keep the public RSA, EC and Ed25519 signing keys usable with an allowed `alg`; say why
    others go."""
    allowed = frozenset(algorithms)
    members = document.get("keys")
    if not isinstance(members, list):
        raise ValueError("the JWKS has no `keys` array")
    expanded: list[dict[str, Any]] = []
    skipped: list[str] = []
    for member in members:
        candidates, problem = _candidates(member, allowed)
        if problem:
            skipped.append(problem)
        expanded.extend({**member, "alg": alg} for alg in candidates)
    keys: dict[KeyId, jwt.PyJWK] = {}
    for key in _parse(expanded):
        kid = str(key.key_id)
        if isinstance(key.key, rsa.RSAPublicKey) and key.key.key_size < MIN_RSA_BITS:
            skipped.append(f"{kid}: RSA key shorter than {MIN_RSA_BITS} bits")
            continue
        keys.setdefault((kid, key.algorithm_name), key)
    published = frozenset(
        m["kid"] for m in members if isinstance(m, dict) and _is_kid(m.get("kid"))
    )
    return KeySet(keys, published, tuple(skipped))


def _is_kid(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _parse(members: list[dict[str, Any]]) -> list[jwt.PyJWK]:
    """PyJWKSet skips what it cannot use; none usable at all is an empty list here."""
    if not members:
        return []
    try:
        return list(jwt.PyJWKSet(members))
    except jwt.PyJWKSetError:
        return []


def _candidates(member: Any, allowed: frozenset[str]) -> tuple[list[str], str | None]:
    """The algorithms this JWK may verify, or why it is skipped."""
    if not isinstance(member, dict):
        return [], "a member that is not an object"
    kid = member.get("kid")
    if not _is_kid(kid):
        return [], "a key without a `kid`"
    problem = _unusable(member)
    if problem:
        return [], f"{kid}: {problem}"
    possible = _algorithms_for(member)
    alg = member.get("alg")
    if alg is not None:
        possible = [alg] if alg in possible else []
    usable = [a for a in possible if a in allowed]
    return usable, None if usable else f"{kid}: no allowed algorithm for this key"


def _unusable(member: dict[str, Any]) -> str | None:
    """Why a JWK cannot be a public signing key for us, or None."""
    if member.get("kty") not in ("RSA", "EC", "OKP"):
        return f"key type {member.get('kty')!r} is not RSA, EC or OKP"
    if PRIVATE_MEMBERS & member.keys():
        return "the document holds private key material"
    if member.get("use", "sig") != "sig":  # RFC 7517 §4.2
        return "not a signing key"
    ops = member.get("key_ops")  # RFC 7517 §4.3
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return "key_ops does not allow verify"
    return None


def _algorithms_for(member: dict[str, Any]) -> list[str]:
    """RFC 7518 §3.1, RFC 8037 §3.1: the `alg` values a key of this type and curve can verify."""
    if member["kty"] == "RSA":
        return sorted(RSA_ALGORITHMS)
    curves = EC_ALGORITHMS if member["kty"] == "EC" else OKP_ALGORITHMS
    alg = curves.get(str(member.get("crv")))
    return [alg] if alg else []
