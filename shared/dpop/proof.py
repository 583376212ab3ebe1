"""The DPoP proof check of RFC 9449 §4.3, the same at the token endpoint and the resource
server; the `jti` replay check is the caller's (memory or database)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from multidict import CIMultiDictProxy

from shared.dpop.keys import b64url, canonical_length_and_tail, public_key, thumbprint
from shared.dpop.nonces import NonceSource
from shared.errors import InvalidDpopProof, InvalidToken, UseDpopNonce
from shared.jws import decode_part, json_object, split_compact, verify_signature

DPOP_TYP = "dpop+jwt"
# RFC 9449 §4.2: asymmetric algorithms only; RFC 9864: `Ed25519` is EdDSA on that curve.
ALGORITHMS = (
    "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA",
    "Ed25519",
)  # fmt: skip
PROOF_LIFETIME = 60
MAX_PROOF_CHARS = 8 * 1024
MAX_JTI_CHARS = 256
HEADER_MEMO_SIZE = 256
# RFC 7515 §4.1.11: no extension we do not understand.
_FORBIDDEN_HEADER = frozenset({"crit"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Proof:
    """A checked proof: its key's thumbprint (`cnf.jkt`), its `jti` and until when it counts."""

    jkt: str
    jti: str
    expires_at: int


def proof_header(headers: CIMultiDictProxy[str]) -> str | None:
    """The one `DPoP` header field's value, or None; two are refused (RFC 9449 §4.3 step 1)."""
    values = headers.getall("DPoP", ())
    if len(values) > 1:
        raise InvalidDpopProof("more than one DPoP header")
    return values[0] if values else None


def token_hash(access_token: str) -> str:
    """RFC 9449 §4.2 `ath`: base64url of the SHA-256 of the token's ASCII."""
    return b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def normalize_uri(uri: str) -> str | None:
    """RFC 9449 §4.3 with RFC 3986 §6.2.2-6.2.3: scheme and host in lower case, no default
    port, an empty path as "/"; None for a URI with a query or fragment, or none at all."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "?" in uri or "#" in uri:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    authority = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{authority}{parts.path or '/'}"


class ProofVerifier:
    """Checks proofs against the allowed algorithms, the clock and (optionally) nonces."""

    def __init__(
        self,
        algorithms: tuple[str, ...] = ALGORITHMS,
        *,
        leeway: int = 30,
        nonces: NonceSource | None = None,
    ) -> None:
        self.algorithms = frozenset(algorithms) & frozenset(ALGORITHMS)
        self.leeway = leeway
        self.nonces = nonces
        self._headers: dict[bytes, tuple[jwt.PyJWK, str]] = {}

    def verify(
        self, proof: str, *, method: str, uri: str, access_token: str | None = None
    ) -> Proof:
        """Everything RFC 9449 §4.3 asks but the `jti`'s first use; InvalidDpopProof or
        UseDpopNonce otherwise."""
        raw = _ascii(proof)
        try:
            header_part, payload_part, signature_part = split_compact(raw)
            for part in (header_part, payload_part, signature_part):
                if not canonical_length_and_tail(part):
                    raise InvalidDpopProof("the proof is not canonical base64url")
            key, jkt = self._key(header_part)
            claims = json_object(payload_part)
            signature = decode_part(signature_part)
        except InvalidToken as exc:  # the shared JWS parser speaks of tokens
            raise InvalidDpopProof(f"the proof is malformed ({exc.description})") from None
        expires_at = self._check_claims(claims, method, uri, access_token)
        signing_input = raw[: len(header_part) + 1 + len(payload_part)]
        if not verify_signature(key, signing_input, signature):
            raise InvalidDpopProof("the proof's signature does not verify")
        self._check_nonce(claims)
        return Proof(jkt=jkt, jti=claims["jti"], expires_at=expires_at)

    def _key(self, part: bytes) -> tuple[jwt.PyJWK, str]:
        """The checked header's key and thumbprint, from a memo of headers seen before."""
        known = self._headers.get(part)
        if known is None:
            known = self._check_header(json_object(part))
            if len(self._headers) >= HEADER_MEMO_SIZE:
                self._headers.clear()
            self._headers[part] = known
        return known

    def _check_header(self, header: Mapping[str, Any]) -> tuple[jwt.PyJWK, str]:
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() != DPOP_TYP:
            raise InvalidDpopProof("the proof's typ must be dpop+jwt")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidDpopProof("the proof's alg is not accepted")
        if _FORBIDDEN_HEADER & header.keys():
            raise InvalidDpopProof("the proof's header names an extension we refuse")
        jwk = header.get("jwk")
        key = public_key(jwk, "EdDSA" if alg == "Ed25519" else alg)
        assert isinstance(jwk, dict)
        return key, thumbprint(jwk)

    def _check_claims(
        self, claims: Mapping[str, Any], method: str, uri: str, access_token: str | None
    ) -> int:
        """`jti`, `htm`, `htu`, `iat` and `ath`; the time until which the proof counts."""
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS:
            raise InvalidDpopProof("the proof has no usable jti")
        if claims.get("htm") != method:
            raise InvalidDpopProof("the proof's htm is not this request's method")
        if not _same_uri(claims.get("htu"), uri):
            raise InvalidDpopProof("the proof's htu is not this request's URI")
        iat = claims.get("iat")
        now = time.time()
        if type(iat) is not int:
            raise InvalidDpopProof("the proof's iat is not an integer")
        # RFC 9449 §11.1: a proof is only good for a short while after it was made.
        if iat > now + self.leeway or iat < now - PROOF_LIFETIME - self.leeway:
            raise InvalidDpopProof("the proof's iat is outside the accepted window")
        if access_token is not None and claims.get("ath") != token_hash(access_token):
            raise InvalidDpopProof("the proof's ath is not the access token's hash")
        return iat + PROOF_LIFETIME + self.leeway

    def _check_nonce(self, claims: Mapping[str, Any]) -> None:
        """RFC 9449 §8: with nonces on, a proof without a current one gets a fresh one."""
        if self.nonces is None:
            return
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not self.nonces.valid(nonce):
            raise UseDpopNonce(self.nonces.current())


def _same_uri(htu: Any, uri: str) -> bool:
    """RFC 9449 §4.3 step 9: `htu` is the request's URI, both normalised (the same text
    needs no normalising); a URI that cannot be normalised matches nothing."""
    if not isinstance(htu, str):
        return False
    expected = normalize_uri(uri)
    return expected is not None and (htu == uri or normalize_uri(htu) == expected)


def _ascii(proof: str) -> bytes:
    if len(proof) > MAX_PROOF_CHARS:
        raise InvalidDpopProof("the proof is too large")
    try:
        return proof.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidDpopProof("the proof is malformed") from None
