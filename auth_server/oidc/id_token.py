"""ID tokens (OpenID Connect Core §2): made for the code and refresh grants, and read back
when a relying party names one as the `id_token_hint` of a logout."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection
from typing import Any

from auth_server.oidc.claims import claims_for
from auth_server.oidc.keys import IdTokenKeys
from auth_server.signin.users import User
from auth_server.signing.jose import b64url
from auth_server.signing.reading import read_own_jwt

ID_TOKEN_TYPE = "JWT"
MAX_ID_TOKEN_LENGTH = 8192
_REQUIRED = ["iss", "sub", "aud", "iat"]


def at_hash(access_token: str) -> str:
    """Core §3.1.3.6: the left half of the SHA-256 (RS256's hash) of the access token."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


class IdTokenIssuer:
    """Signs ID tokens, RS256 with header `typ: JWT`; writes nothing to the database."""

    def __init__(self, issuer: str, ttl: int, keys: IdTokenKeys) -> None:
        self._issuer = issuer
        self._ttl = ttl
        self._keys = keys

    def issue(
        self,
        *,
        user: User,
        client_id: str,
        scope: Collection[str],
        auth_time: int,
        access_token: str,
        nonce: str | None = None,
        now: int | None = None,
    ) -> str:
        """Core §2 and §3.1.3.6, with the claims the scope releases (SPEC "OpenID Connect")."""
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "sub": user.user_id,
            "aud": client_id,
            "exp": now + self._ttl,
            "iat": now,
            "auth_time": auth_time,
            "azp": client_id,
            "at_hash": at_hash(access_token),
            **claims_for(user, scope),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return self._keys.signer.sign(claims, typ=ID_TOKEN_TYPE)


def read_id_token(token: str, keys: IdTokenKeys, issuer: str) -> dict[str, Any] | None:
    """The claims of an ID token we signed, expired or not; None for anything else.
    RP-Initiated Logout 1.0 §2: an expired ID token is still a good hint."""
    claims = read_own_jwt(
        token,
        keys,
        issuer,
        types=(ID_TOKEN_TYPE,),
        required=_REQUIRED,
        max_length=MAX_ID_TOKEN_LENGTH,
    )
    if claims is None or not isinstance(claims["sub"], str) or not isinstance(claims["aud"], str):
        return None
    return claims
