"""Hand-written compact JWS signing against pyjwt's `jwt.encode` with a prepared key (issue
22): the same claims, key and header, in alternating rounds on this one thread; the cheaper
round of each counts, as a slow moment of the machine only adds. The auth server signed with
the hand-written code below until this comparison showed it under 5% faster end to end; it
stays here as the reference the comparison keeps measuring."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from auth_server.signing.jose import PrivateKey, b64url, generate_key, public_jwk

ROUNDS = 6
ALGORITHMS = ("RS256", "EdDSA")


def _signature(key: PrivateKey, alg: str) -> Callable[[bytes], bytes]:
    """RFC 7518 §3.3-3.5 and RFC 8037 §3.1 straight on `cryptography`."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curve_key = key

        def es256(data: bytes) -> bytes:
            r, s = decode_dss_signature(curve_key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")  # R || S, not DER

        return es256
    assert isinstance(key, rsa.RSAPrivateKey)
    pad: padding.AsymmetricPadding = padding.PKCS1v15()
    if alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    rsa_key = key
    return lambda data: rsa_key.sign(data, pad, hashes.SHA256())


class HandWrittenSigner:
    """The header encoded once, the claims and signature per token."""

    def __init__(self, key: PrivateKey, kid: str, alg: str) -> None:
        self._sign = _signature(key, alg)
        header = {"alg": alg, "typ": "at+jwt", "kid": kid}
        self._header = b64url(json.dumps(header, separators=(",", ":")).encode())

    def sign(self, claims: dict[str, Any]) -> str:
        """RFC 7515 §7.1."""
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{self._header}.{payload}"
        return f"{signing_input}.{b64url(self._sign(signing_input.encode('ascii')))}"


@dataclass(frozen=True, slots=True)
class SigningCost:
    """µs per token, ours and pyjwt's, for one algorithm."""

    alg: str
    ours_us: float
    pyjwt_us: float

    @property
    def saved_us(self) -> float:
        """What ours saves per token (negative: pyjwt is faster)."""
        return self.pyjwt_us - self.ours_us


def claims() -> dict[str, Any]:
    """About the claims of one of our access tokens."""
    now = int(time.time())
    return {
        "iss": "http://127.0.0.1:8000", "sub": "a1b2c3d4e5f6", "aud": "http://127.0.0.1:8001",
        "exp": now + 900, "iat": now, "jti": "Z3JhbmQtdW5pcXVlLWlk", "client_id": "c9f0e1d2",
        "scope": "read",
    }  # fmt: skip


def _per_call_us(sign: Callable[[], str], seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while True:
        for _ in range(10):
            sign()
        count += 10
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return elapsed / count * 1e6


def compare(alg: str, seconds: float = 2.0) -> SigningCost:
    """Both ways of signing, `ROUNDS` alternating rounds each over `seconds` in all."""
    key = generate_key(alg)
    kid = public_jwk(key, alg)["kid"]
    ours = HandWrittenSigner(key, kid, alg)
    headers = {"typ": "at+jwt", "kid": kid}
    body = claims()
    if (
        jwt.decode(ours.sign(body), key.public_key(), algorithms=[alg], audience=body["aud"])
        != body
    ):
        raise RuntimeError("the two signers disagree")
    timings: dict[str, list[float]] = {"ours": [], "pyjwt": []}
    each = seconds / (2 * ROUNDS)
    for _ in range(ROUNDS):
        timings["ours"].append(_per_call_us(lambda: ours.sign(body), each))
        timings["pyjwt"].append(
            _per_call_us(lambda: jwt.encode(body, key, algorithm=alg, headers=headers), each)
        )
    return SigningCost(alg, min(timings["ours"]), min(timings["pyjwt"]))


def measure_signing(seconds: float = 2.0) -> list[SigningCost]:
    """RS256 (the default) and EdDSA."""
    return [compare(alg, seconds) for alg in ALGORITHMS]


def signing_notes(costs: list[SigningCost], token_rates: dict[str, float], cores: int) -> list[str]:
    """Each comparison in words, with its share of a token request at that algorithm's rate
    (`token_rates`: req/s of client credentials on the default `serve`, (i) for RS256 and (h)
    for EdDSA, on `cores` cores)."""
    notes = []
    for cost in costs:
        line = (
            f"JWS signing, {cost.alg}: hand-written {cost.ours_us:.1f} µs a token, pyjwt "
            f"jwt.encode with a prepared key {cost.pyjwt_us:.1f} µs"
        )
        rate = token_rates.get(cost.alg, 0.0)
        if rate > 0:
            per_request_us = cores * 1e6 / rate
            line += (
                f"; the difference is {cost.saved_us / per_request_us:.1%} of a token request's"
                f" CPU ({per_request_us:.0f} µs at {rate:,.0f} req/s on {cores} cores)"
            )
        notes.append(line)
    return notes
