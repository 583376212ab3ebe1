"""Access-token validation: RFC 9068 §4 on top of RFC 8725's JWT best practices."""

from __future__ import annotations

import time
from collections.abc import Container, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from resource_server.jwk import KeyId
from resource_server.jwks import JwksCache
from resource_server.revocation import VoidedSubjects
from resource_server.signature_batch import SignatureBatch
from resource_server.token_cache import DEFAULT_SIZE, KEY_CHARS, TokenCache
from shared.errors import InvalidToken, TemporarilyUnavailable
from shared.jws import decode_part, json_object, split_compact

MAX_TOKEN_CHARS = 8 * 1024
# RFC 9068 §4: `typ` is at+jwt; media types compare case-insensitively (RFC 6838 §4.2).
ACCEPTED_TYP = frozenset({"at+jwt", "application/at+jwt"})
# RFC 8725 §3.10, §2.8: never fetch keys named by the token; no extensions we do not know.
FORBIDDEN_HEADER = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
# RFC 9068 §2.2: the claims every access token carries.
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id")
HEADER_CACHE_SIZE = 64


class AccessToken(NamedTuple):
    """A verified access token: who it speaks for, for which client, with which scopes.
    (A named tuple: immutable, and built in a fraction of a frozen dataclass's time, which
    counts once per distinct token.)"""

    subject: str
    client_id: str
    scope: frozenset[str]
    audience: tuple[str, ...]
    jti: str
    expires_at: int
    claims: Mapping[str, Any]

    @property
    def scope_text(self) -> str:
        """The `scope` claim as issued: space-separated (RFC 9068 §2.2.3)."""
        scope = self.claims.get("scope")
        return scope if isinstance(scope, str) else ""


@dataclass(frozen=True, slots=True)
class Policy:
    """What a token must say to be accepted here."""

    issuer: str
    audience: str
    algorithms: frozenset[str]
    leeway: int = 30

    def __post_init__(self) -> None:
        for alg in self.algorithms:
            if alg.lower() == "none" or alg.upper().startswith("HS"):
                raise ValueError(f"algorithm {alg!r} must never be accepted (RFC 8725 §3.1)")


class _Verified(NamedTuple):
    token: AccessToken
    key_id: KeyId


def check_header(header: Mapping[str, Any], policy: Policy) -> KeyId:
    """RFC 8725 §3.1, RFC 9068 §4: an allowed `alg`, `typ` at+jwt, a `kid`, nothing else risky."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in policy.algorithms:
        raise InvalidToken("the token's alg is not accepted")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYP:
        raise InvalidToken("the token's typ must be at+jwt")
    if FORBIDDEN_HEADER & header.keys():
        raise InvalidToken("the token's header names a key or extension we refuse")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("the token names no key")
    return kid, alg


def _integer(claims: Mapping[str, Any], name: str) -> int:
    """RFC 7519 §2 NumericDate, held to integers here; a bool is not a number."""
    value = claims[name]
    if type(value) is not int:
        raise InvalidToken(f"the token's {name} is not an integer")
    return value


def _audiences(value: Any) -> tuple[str, ...]:
    """RFC 7519 §4.1.3: one string or an array of strings."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidToken("the token's aud is malformed")


def check_claims(claims: Mapping[str, Any], policy: Policy, now: float) -> None:
    """RFC 9068 §4: required claims, exact issuer, our audience, and the token's time window."""
    for name in REQUIRED_CLAIMS:
        if name not in claims:
            raise InvalidToken(f"the token has no {name} claim")
    if claims["iss"] != policy.issuer:
        raise InvalidToken("the token is from another issuer")
    if policy.audience not in _audiences(claims["aud"]):
        raise InvalidToken("the token is for another audience")
    if _integer(claims, "exp") <= now - policy.leeway:
        raise InvalidToken("the token has expired")
    if _integer(claims, "iat") > now + policy.leeway:
        raise InvalidToken("the token is issued in the future")
    if "nbf" in claims and _integer(claims, "nbf") > now + policy.leeway:
        raise InvalidToken("the token is not valid yet")
    for name in ("sub", "jti", "client_id"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise InvalidToken(f"the token's {name} is not a string")
    if not isinstance(claims.get("scope", ""), str):
        raise InvalidToken("the token's scope is not a string")


def token_from_claims(claims: dict[str, Any]) -> AccessToken:
    """The checked claims as a value (the dict is the caller's to give away)."""
    scope = claims.get("scope", "")
    return AccessToken(
        subject=claims["sub"],
        client_id=claims["client_id"],
        scope=frozenset(s for s in scope.split(" ") if s),  # RFC 6749 §3.3: space-delimited
        audience=_audiences(claims["aud"]),
        jti=claims["jti"],
        expires_at=claims["exp"],
        claims=MappingProxyType(claims),
    )


class TokenValidator:
    """Checks bearer tokens against the policy and the issuer's keys; remembers good ones."""

    def __init__(
        self,
        policy: Policy,
        keys: JwksCache,
        *,
        revoked: Container[str] = frozenset(),
        voided: VoidedSubjects | None = None,
        cache_size: int = DEFAULT_SIZE,
    ) -> None:
        self.policy = policy
        self.keys = keys
        self.verifications = 0
        self._revoked = revoked
        self._voided = voided
        self._cache: TokenCache[_Verified] = TokenCache(cache_size)
        self.signatures = SignatureBatch()
        # An issuer signs with few keys, so few distinct headers: each is checked once.
        self._headers: dict[bytes, KeyId] = {}

    def check(self, token: str) -> AccessToken | None:
        """Without waiting: the token if it was verified before and its key is still
        published; None when it is to be verified (`verify`); InvalidToken saying (to the
        client) what is wrong."""
        # Every repeated token takes this path, where each call costs a visible share of
        # the request: the cache's dict and the held keys are read here, not through calls.
        entry = self._cache.entries.get(token[-KEY_CHARS:])
        if (
            entry is None
            or entry[0] != token
            or time.time() >= entry[2]
            or entry[1].key_id not in self.keys.held
        ):
            if len(token) > MAX_TOKEN_CHARS:
                raise InvalidToken("the token is too large")
            return None
        # Expiry (above) and the deny list (below) are read on every request, cached or not.
        access = entry[1].token
        if access.jti in self._revoked or (
            self._voided is not None and self._voided.entries and self._voided.voids(access.claims)
        ):
            raise InvalidToken("the token has been revoked")
        return access

    async def validate(self, token: str) -> AccessToken:
        """The verified token, from the cache or verified now."""
        found = self.check(token)
        return found if found is not None else await self.verify(token)

    async def verify(self, token: str) -> AccessToken:
        """A token not in the cache: parsed and checked, its key found (fetched again if its
        `kid` is new), its signature verified in this turn's batch; then cached."""
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("the token is too large")
        key_id, claims, signing_input, signature = self._parse(_encoded(token), time.time())
        key = self.keys.get(key_id)
        if key is None:
            key = await self.keys.key_for(*key_id)
        if key is None:
            if not self.keys.ready:
                raise TemporarilyUnavailable("the issuer's keys are not loaded yet", retry_after=1)
            raise InvalidToken("the token is signed with an unknown key")
        # RFC 7515 §5.2 with the key's own algorithm, which must be the header's (RFC 8725).
        self.verifications += 1
        if key.algorithm_name != key_id[1] or not await self.signatures.verify(
            key, signing_input, signature
        ):
            raise InvalidToken("the token's signature does not verify")
        hit = _Verified(token_from_claims(claims), key_id)
        self._cache.put(token, hit, hit.token.expires_at + self.policy.leeway)
        return self._unless_revoked(hit.token)

    def _unless_revoked(self, token: AccessToken) -> AccessToken:
        if token.jti in self._revoked or (
            self._voided is not None and self._voided.voids(token.claims)
        ):
            raise InvalidToken("the token has been revoked")
        return token

    def _parse(self, raw: bytes, now: float) -> tuple[KeyId, dict[str, Any], bytes, bytes]:
        """Header and claims checked; the signing input and signature still to verify."""
        header_part, payload_part, signature_part = split_compact(raw)
        key_id = self._header(header_part)
        claims = json_object(payload_part)
        check_claims(claims, self.policy, now)
        signature = decode_part(signature_part)
        return key_id, claims, raw[: len(header_part) + 1 + len(payload_part)], signature

    def _header(self, part: bytes) -> KeyId:
        """The checked header's (`kid`, `alg`), from a small memo of headers seen before."""
        key_id = self._headers.get(part)
        if key_id is None:
            key_id = check_header(json_object(part), self.policy)
            if len(self._headers) >= HEADER_CACHE_SIZE:
                self._headers.clear()
            self._headers[part] = key_id
        return key_id


def _encoded(token: str) -> bytes:
    """The token's bytes; only ASCII can be a JWS in compact form."""
    try:
        return token.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidToken("the token is malformed") from None
