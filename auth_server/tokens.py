"""RFC 9068 JWT access tokens: claims built here, signed by the key ring's current key."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from auth_server.keys import KeyRing
from auth_server.scopes import format_scope


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token and what the token response says about it."""

    access_token: str
    jti: str
    expires_in: int
    scope: str

    def response(self, **extra: Any) -> dict[str, Any]:
        """The RFC 6749 §5.1 success body."""
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
            **extra,
        }


class AccessTokenIssuer:
    """Makes signed access tokens; writes nothing to the database."""

    def __init__(self, issuer: str, ttl: int, keyring: KeyRing) -> None:
        self._issuer = issuer
        self._ttl = ttl
        self._keyring = keyring

    def issue(
        self,
        *,
        subject: str,
        client_id: str,
        audience: tuple[str, ...],
        scope: tuple[str, ...],
        extra_claims: dict[str, Any] | None = None,
    ) -> IssuedToken:
        """RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti, and scope."""
        now = int(time.time())
        jti = secrets.token_urlsafe(16)
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
        token = self._keyring.signer.sign(claims)
        return IssuedToken(access_token=token, jti=jti, expires_in=self._ttl, scope=scope_text)
