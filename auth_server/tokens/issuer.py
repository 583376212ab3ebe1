"""RFC 9068 JWT access tokens: claims built here, signed by the key ring's current key, and
read back (for revocation and introspection) with the keys the ring publishes."""

from __future__ import annotations

import asyncio
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from auth_server.scopes import format_scope
from auth_server.signing.jose import JwsSigner
from auth_server.signing.keyring import KeyRing
from auth_server.signing.reading import read_own_jwt

MAX_TOKEN_LENGTH = 8192
_TYPES = ("at+jwt", "application/at+jwt")
_REQUIRED = ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"]
# Signatures dear enough (RSA: hundreds of µs) that a thread handoff can pay for itself.
_POOLED_ALGORITHMS = frozenset({"RS256", "PS256"})


def signing_threads(workers: int, cores: int) -> int:
    """Threads that sign RSA tokens beside one worker's loop: none once the workers fill the
    cores (each loop signs its own), else one per core."""
    return 0 if workers >= cores else cores


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token and what the token response says about it."""

    access_token: str
    jti: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"

    def response(self, **extra: Any) -> dict[str, Any]:
        """The RFC 6749 §5.1 success body."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
            **extra,
        }


def new_jti() -> str:
    """A token's unique identifier (RFC 7519 §4.1.7): 128 random bits."""
    return secrets.token_urlsafe(16)


class AccessTokenIssuer:
    """Makes signed access tokens; writes nothing to the database.

    One RSA signature costs 0.3-0.9 ms of CPU; an ES256 or EdDSA one a few tens of µs, less
    than a handoff to a thread, so those are always signed on the event loop. So is an RSA
    signature when the process runs as many workers as the machine has cores
    (`signing_threads` 0): each worker's loop then has a core of its own, and a thread pool
    would only add handoffs. With fewer workers than cores, a request alone in wanting an RSA
    signature is still signed on the loop, and several at once on a pool of
    `signing_threads`: OpenSSL releases the GIL while it signs, so one process signs on every
    core while its loop goes on parsing requests."""

    def __init__(self, issuer: str, ttl: int, keyring: KeyRing, signing_threads: int = 0) -> None:
        self._issuer = issuer
        self._ttl = ttl
        self._keyring = keyring
        self._pool = (
            ThreadPoolExecutor(signing_threads, thread_name_prefix="signer")
            if signing_threads > 0
            else None
        )
        self._waiting = 0  # requests between the start of `_sign` and their signature
        self.signed_inline = 0
        self.signed_on_pool = 0

    @property
    def ttl(self) -> int:
        return self._ttl

    def close(self) -> None:
        """Finish the signatures in progress and stop the pool's threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    async def issue(
        self,
        *,
        subject: str,
        client_id: str,
        audience: tuple[str, ...],
        scope: tuple[str, ...],
        extra_claims: dict[str, Any] | None = None,
        jti: str | None = None,
        now: int | None = None,
        jkt: str | None = None,
    ) -> IssuedToken:
        """RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti, and scope; `jti` and `now`
        when the caller recorded the token (its `exp` is `now` + ttl) before it is signed."""
        now = int(time.time()) if now is None else now
        jti = new_jti() if jti is None else jti
        scope_text = format_scope(scope)
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "sub": subject,
            "aud": audience[0] if len(audience) == 1 else list(audience),
            "exp": now + self._ttl,
            "iat": now,
            "jti": jti,
            "client_id": client_id,
            "scope": scope_text,
            **(extra_claims or {}),
        }
        if jkt is not None:
            claims["cnf"] = {"jkt": jkt}  # RFC 9449 §6.1: bound to the proof's key
        signer = self._keyring.signer  # the key current now, whatever a reload does meanwhile
        token = await self._sign(signer, claims)
        token_type = "Bearer" if jkt is None else "DPoP"  # RFC 9449 §5
        return IssuedToken(token, jti, self._ttl, scope_text, token_type)

    async def _sign(self, signer: JwsSigner, claims: dict[str, Any]) -> str:
        """On the loop when no other request waits for an RSA signature, else on the pool."""
        if self._pool is None or signer.alg not in _POOLED_ALGORITHMS:
            self.signed_inline += 1
            return signer.sign(claims)
        self._waiting += 1
        try:
            # One turn of the loop first, so that requests that arrived together see each other
            # (measured, one worker: inline signing of a queue of four cut throughput by a third).
            await asyncio.sleep(0)
            if self._waiting == 1:
                self.signed_inline += 1
                return signer.sign(claims)
            self.signed_on_pool += 1
            pool = self._pool
            return await asyncio.get_running_loop().run_in_executor(pool, signer.sign, claims)
        finally:
            self._waiting -= 1


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    """The claims of an access token we signed (its signature and `iss` checked)."""

    jti: str
    client_id: str
    sub: str
    scope: str
    aud: str | list[str]
    exp: int
    iat: int
    jkt: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> AccessTokenClaims | None:
        """None unless every claim has the type we issue it with."""
        strings = [claims[name] for name in ("jti", "client_id", "sub")] + [claims.get("scope")]
        numbers = [claims["exp"], claims["iat"]]
        aud = claims["aud"]
        if not all(isinstance(value, str) for value in strings):
            return None
        if not all(type(value) is int for value in numbers):
            return None
        if not isinstance(aud, str) and not (
            isinstance(aud, list) and all(isinstance(a, str) for a in aud)
        ):
            return None
        return cls(
            jti=claims["jti"],
            client_id=claims["client_id"],
            sub=claims["sub"],
            scope=claims["scope"],
            aud=aud,
            exp=claims["exp"],
            iat=claims["iat"],
            jkt=_bound_key(claims.get("cnf")),
        )


def _bound_key(cnf: Any) -> str | None:
    """RFC 9449 §6.1: the `cnf.jkt` of a DPoP-bound token."""
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    return jkt if isinstance(jkt, str) else None


def read_access_token(token: str, keyring: KeyRing, issuer: str) -> AccessTokenClaims | None:
    """Our own access token, whatever its expiry; None for anything else (RFC 7009 §2.1
    revokes a token whatever its state; callers judge expiry themselves)."""
    claims = read_own_jwt(
        token, keyring, issuer, types=_TYPES, required=_REQUIRED, max_length=MAX_TOKEN_LENGTH
    )
    return None if claims is None else AccessTokenClaims.from_claims(claims)
