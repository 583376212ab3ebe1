"""Which of our tokens a presented string is, and whether it is still active: shared by
revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

import time
from typing import Any

from auth_server.clients.registry import ClientRepository
from auth_server.scopes import format_scope
from auth_server.signing.keyring import KeyRing
from auth_server.tokens.issuer import AccessTokenClaims, read_access_token
from auth_server.tokens.refresh import RefreshTokens, RefreshTokenState
from auth_server.tokens.revocations import RevokedAccessTokens

# RFC 7662 §2.2 defines `token_type` as the RFC 6749 §5.1 type: the scheme the token is
# presented with. Our access tokens are Bearer tokens; a refresh token is never presented to
# a resource server, so it gets the RFC 7009 §2.1 hint name instead, which no scheme has.
ACCESS_TOKEN_TYPE = "Bearer"
REFRESH_TOKEN_TYPE = "refresh_token"

FoundToken = AccessTokenClaims | RefreshTokenState


def looks_like_jwt(token: str) -> bool:
    """A compact JWS has three dot-separated parts; our refresh tokens have no dot."""
    return token.count(".") == 2


def audience_of(found: FoundToken) -> tuple[str, ...]:
    """The resource servers a token is meant for."""
    if isinstance(found, RefreshTokenState):
        return found.family.audience
    return (found.aud,) if isinstance(found.aud, str) else tuple(found.aud)


class TokenLookup:
    """Finds a token among ours: a JWT we signed, or a refresh token we stored."""

    def __init__(
        self,
        issuer: str,
        keyring: KeyRing,
        refresh_tokens: RefreshTokens,
        revoked: RevokedAccessTokens,
        clients: ClientRepository,
    ) -> None:
        self._issuer = issuer
        self._keyring = keyring
        self._refresh_tokens = refresh_tokens
        self._revoked = revoked
        self._clients = clients

    async def find(self, token: str) -> FoundToken | None:
        """The token, whatever its state; None if it is not one of ours."""
        # RFC 7009 §2.1, RFC 7662 §2.1: token_type_hint only says where to look first; our
        # two kinds differ in form, so the form decides and the hint is never needed.
        if looks_like_jwt(token):
            return read_access_token(token, self._keyring, self._issuer)
        return await self._refresh_tokens.find(token)

    async def is_active(self, found: FoundToken) -> bool:
        """Unexpired and unrevoked, and its client still registered."""
        now = int(time.time())
        if isinstance(found, RefreshTokenState):
            return found.is_active(now)
        if found.exp <= now or await self._revoked.is_revoked(
            found.jti, client_id=found.client_id, sub=found.sub, iat=found.iat
        ):
            return False
        return await self._clients.get(found.client_id) is not None

    def describe(self, found: FoundToken) -> dict[str, Any]:
        """RFC 7662 §2.2: what an introspection response says about an active token."""
        if isinstance(found, RefreshTokenState):
            family = found.family
            aud: str | list[str] = list(family.audience)
            return {
                "active": True,
                "scope": format_scope(family.scope),
                "client_id": family.client_id,
                "sub": family.user_id,
                "aud": aud[0] if len(aud) == 1 else aud,
                "iss": self._issuer,
                "exp": found.expires_at,
                "iat": found.created_at,
                "token_type": REFRESH_TOKEN_TYPE,
            }
        return {
            "active": True,
            "scope": found.scope,
            "client_id": found.client_id,
            "sub": found.sub,
            "aud": found.aud,
            "iss": self._issuer,
            "exp": found.exp,
            "iat": found.iat,
            "token_type": ACCESS_TOKEN_TYPE,
            "jti": found.jti,
            # RFC 9449 §6.2: the key a DPoP-bound token is bound to.
            **({"cnf": {"jkt": found.jkt}} if found.jkt else {}),
        }
