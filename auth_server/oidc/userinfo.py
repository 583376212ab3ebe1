"""The UserInfo answer (OpenID Connect Core §5.3): the access token checked as a resource
server checks it, against our own key ring, then the claims its scope releases."""

from __future__ import annotations

import time
from typing import Any

from auth_server.clients.registry import ClientRepository
from auth_server.oidc.claims import claims_for
from auth_server.scopes import OPENID
from auth_server.signin.users import UserRepository
from auth_server.signing.keyring import KeyRing
from auth_server.tokens.issuer import AccessTokenClaims, read_access_token
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.errors import InsufficientScope, InvalidToken

# SPEC "OpenID Connect": expiry is checked with at most this much clock leeway, in seconds.
LEEWAY = 5


class UserInfo:
    """Answers for a presented access token; raises RFC 6750 errors."""

    def __init__(
        self,
        issuer: str,
        keyring: KeyRing,
        revoked: RevokedAccessTokens,
        clients: ClientRepository,
        users: UserRepository,
    ) -> None:
        self._issuer = issuer
        self._keyring = keyring
        self._revoked = revoked
        self._clients = clients
        self._users = users

    async def active(self, token: str) -> AccessTokenClaims:
        """Core §5.3: an unexpired, unrevoked access token of ours with `openid` in its scope."""
        realm = self._issuer
        found = read_access_token(token, self._keyring, self._issuer)
        if found is None or found.exp + LEEWAY <= time.time():
            raise InvalidToken("the access token is invalid or expired").with_challenge(realm=realm)
        revoked = await self._revoked.is_revoked(
            found.jti, client_id=found.client_id, sub=found.sub, iat=found.iat
        )
        if revoked or not await self._clients.get(found.client_id):
            raise InvalidToken("the access token was revoked").with_challenge(realm=realm)
        if OPENID not in found.scope.split():
            # Core §5.3.3: the token must have been granted for OpenID Connect.
            raise InsufficientScope(OPENID).with_challenge(realm=realm)
        return found

    async def released(self, token: AccessTokenClaims) -> dict[str, Any]:
        """Core §5.3.2: `sub` and the claims the token's scope releases."""
        user = await self._users.get(token.sub)
        if user is None or user.disabled:
            raise InvalidToken("the user of this token is disabled").with_challenge(
                realm=self._issuer
            )
        return {"sub": user.user_id, **claims_for(user, token.scope.split())}
