"""Client assertions (RFC 7523 §2.2, §3; RFC 7521 §4.2): a JWT the client signs with one of its
own keys instead of sending a secret. Pure checks: the caller finds the keys and records the
`jti`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_server.clients.keys import ASSERTION_ALGORITHMS
from shared.errors import InvalidClient, InvalidToken
from shared.jws import decode_part, json_object, split_compact, verify_signature

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_CHARS = 8 * 1024
# SPEC: `exp` at most 60 minutes ahead (Authlib's default lifetime is one hour).
MAX_LIFETIME = 3600
LEEWAY = 30
MIN_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class Assertion:
    """A parsed assertion, its signature not yet checked."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def subject(self) -> str | None:
        """The client it speaks for (RFC 7523 §3 item 2: `sub` is the client id)."""
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else None


def parse_assertion(text: str) -> Assertion:
    """A compact JWS taken apart strictly; invalid_client if it is not one."""
    try:
        if len(text) > MAX_ASSERTION_CHARS:
            raise InvalidToken("too large")
        raw = text.encode("ascii")
        header_part, payload_part, signature_part = split_compact(raw)
        return Assertion(
            header=json_object(header_part),
            claims=json_object(payload_part),
            signing_input=raw[: len(header_part) + 1 + len(payload_part)],
            signature=decode_part(signature_part),
        )
    except (InvalidToken, UnicodeEncodeError):
        raise InvalidClient("the client assertion is not a signed JWT") from None


def check_claims(
    claims: Mapping[str, Any], client_id: str, audiences: tuple[str, ...], now: float
) -> tuple[str, int]:
    """RFC 7523 §3: `iss` = `sub` = the client, our `aud`, a near `exp`, a `jti`; returns
    (`jti`, `exp`)."""
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise InvalidClient("the client assertion's iss and sub must be the client_id")
    aud = claims.get("aud")
    named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(a in audiences for a in named if isinstance(a, str)):
        raise InvalidClient("the client assertion's aud is not this server")
    exp = claims.get("exp")
    if type(exp) is not int or exp <= now - LEEWAY:
        raise InvalidClient("the client assertion has expired or has no exp")
    if exp > now + MAX_LIFETIME + LEEWAY:
        raise InvalidClient("the client assertion's exp is more than 60 minutes ahead")
    nbf = claims.get("nbf")
    if nbf is not None and (type(nbf) is not int or nbf > now + LEEWAY):
        raise InvalidClient("the client assertion is not valid yet")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise InvalidClient("the client assertion has no usable jti")
    return jti, exp


def verify_signature_with(assertion: Assertion, members: list[dict[str, Any]]) -> bool:
    """RFC 7515 §5.2 with a key of the client's whose `kid` (if named) and type fit `alg`."""
    alg = assertion.header.get("alg")
    if not isinstance(alg, str) or alg not in ASSERTION_ALGORITHMS:
        raise InvalidClient("the client assertion's alg is not accepted")
    if "crit" in assertion.header:
        raise InvalidClient("the client assertion's header names an extension we refuse")
    kid = assertion.header.get("kid")
    for member in members:
        if kid is not None and member.get("kid") != kid:
            continue
        if member.get("alg", alg) != alg:
            continue
        key = _key(member, alg)
        if key is not None and verify_signature(key, assertion.signing_input, assertion.signature):
            return True
    return False


def _key(member: dict[str, Any], alg: str) -> jwt.PyJWK | None:
    try:
        key = jwt.PyJWK(member, algorithm=alg)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
        return None
    if isinstance(key.key, rsa.RSAPublicKey) and key.key.key_size < MIN_RSA_BITS:
        return None
    return key
