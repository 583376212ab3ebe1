"""The catalogue of DPoP proof attacks (RFC 9449 §4.3, §11): each turns a request's honest proof
into DPoP header values that both services must refuse with `invalid_dpop_proof`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.dpop_proofs import ProofKey, b64url

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Request:
    """What an honest proof would be made for."""

    key: ProofKey
    htm: str
    htu: str
    token: str | None


Attack = Callable[[Request], list[str]]


def _proof(r: Request, header: dict[str, object] | None = None, **claims: object) -> str:
    base = r.key.claims(r.htm, r.htu, r.token)
    merged = {k: v for k, v in {**base, **claims}.items() if v is not None}
    return r.key.sign(header if header is not None else r.key.header(), merged)


def _unused_bits(r: Request) -> str:
    """The same proof with a signature whose last character sets unused bits."""
    proof = _proof(r)
    last = _ALPHABET.index(proof[-1])
    return proof[:-1] + _ALPHABET[last ^ 1]


def _tampered(r: Request) -> str:
    header, _, signature = _proof(r).split(".")
    claims = r.key.claims(r.htm, r.htu, r.token, extra="changed")
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def _unsigned(r: Request) -> str:
    header = {**r.key.header(), "alg": "none"}
    claims = r.key.claims(r.htm, r.htu, r.token)
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."


def _weak_rsa(r: Request) -> str:
    weak = ProofKey("RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    return _proof(Request(weak, r.htm, r.htu, r.token))


def _duplicate_member(r: Request) -> str:
    header = json.dumps(r.key.header())[:-1] + ', "typ": "JWT"}'
    claims = r.key.claims(r.htm, r.htu, r.token)
    signed = r.key.sign(r.key.header(), claims).split(".")
    return f"{b64url(header.encode())}.{signed[1]}.{signed[2]}"


ATTACKS: dict[str, Attack] = {
    "two DPoP headers": lambda r: [_proof(r), _proof(r)],
    "not a JWS": lambda r: ["not-a-proof"],
    "not ASCII": lambda r: ["é." + _proof(r)],
    "typ JWT": lambda r: [_proof(r, {**r.key.header(), "typ": "JWT"})],
    "alg none": lambda r: [_unsigned(r)],
    "alg HS256": lambda r: [_proof(r, {**r.key.header(), "alg": "HS256"})],
    "alg ES256K": lambda r: [_proof(r, {**r.key.header(), "alg": "ES256K"})],
    "no jwk": lambda r: [_proof(r, {"typ": "dpop+jwt", "alg": r.key.alg})],
    "private jwk": lambda r: [_proof(r, {**r.key.header(), "jwk": r.key.private_jwk})],
    "jwk of another key": lambda r: [_proof(r, {**r.key.header(), "jwk": ProofKey(r.key.alg).jwk})],
    "RSA 1024": lambda r: [_weak_rsa(r)],
    "crit header": lambda r: [_proof(r, {**r.key.header(), "crit": ["x"], "x": 1})],
    "duplicate header member": lambda r: [_duplicate_member(r)],
    "tampered claims": lambda r: [_tampered(r)],
    "unused bits set": lambda r: [_unused_bits(r)],
    "no jti": lambda r: [_proof(r, jti=None)],
    "wrong htm": lambda r: [_proof(r, htm="GET" if r.htm != "GET" else "POST")],
    "htu of another server": lambda r: [_proof(r, htu="http://elsewhere.test/token")],
    "htu with a query": lambda r: [_proof(r, htu=r.htu + "?x=1")],
    "iat too old": lambda r: [_proof(r, iat=int(time.time()) - 200)],
    "iat in the future": lambda r: [_proof(r, iat=int(time.time()) + 200)],
    "iat a string": lambda r: [_proof(r, iat=str(int(time.time())))],
}
# Only where a token is presented with the proof (the resource server).
TOKEN_ATTACKS: dict[str, Attack] = {
    "no ath": lambda r: [_proof(r, ath=None)],
    "ath of another token": lambda r: [_proof(r, ath=b64url(b"x" * 32))],
    "key not the token's": lambda r: [_proof(Request(ProofKey(), r.htm, r.htu, r.token))],
}
