"""RFC 6749 §6 with RFC 9700 §4.14: refresh tokens rotate; a replay revokes the family."""

from __future__ import annotations

import logging
import time
from typing import Any

from auth_server.clients.registry import REFRESH_TOKEN
from auth_server.grants import TokenRequest
from auth_server.oidc.id_token import IdTokenIssuer
from auth_server.scopes import OPENID, grant_scope, parse_scope
from auth_server.signin.users import User, UserRepository
from auth_server.tokens.audiences import narrow_audience
from auth_server.tokens.issuer import AccessTokenIssuer, new_jti
from auth_server.tokens.refresh import Family, RefreshTokens
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.audit import audit
from shared.db import Database
from shared.errors import InvalidDpopProof, InvalidGrant
from shared.http import single

log = logging.getLogger(__name__)


def check_binding(bound: str | None, presented: str | None) -> None:
    """RFC 9449 §5: a refresh token bound to a key needs a proof by that key."""
    if bound is None:
        return
    if presented is None:
        raise InvalidDpopProof("this refresh token is DPoP-bound: send a proof by its key")
    if presented != bound:
        raise InvalidGrant("the refresh token is bound to another DPoP key")


class RefreshTokenGrant:
    """Spend one refresh token, get an access token and the family's next refresh token."""

    grant_type = REFRESH_TOKEN

    def __init__(
        self,
        database: Database,
        refresh_tokens: RefreshTokens,
        users: UserRepository,
        tokens: AccessTokenIssuer,
        revoked: RevokedAccessTokens,
        id_tokens: IdTokenIssuer,
    ) -> None:
        self._db = database
        self._id_tokens = id_tokens
        self._refresh_tokens = refresh_tokens
        self._users = users
        self._tokens = tokens
        self._revoked = revoked

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        form, client = request.form, request.client
        presented = single(form, "refresh_token", required=True) or ""
        requested = parse_scope(single(form, "scope"))
        family: Family | None = None
        jti, now = new_jti(), int(time.time())
        async with self._db.transaction() as tx:
            spent = await self._refresh_tokens.spend(tx, presented)
            if spent is not None:
                family = spent.family
                if family.client_id != client.client_id:
                    raise InvalidGrant("the refresh token was issued to another client")
                if family.revoked or spent.expired:
                    raise InvalidGrant("the refresh token has expired or was revoked")
                check_binding(family.jkt, request.jkt)
                user = await self._users.get(family.user_id, tx)
                if user is None or user.disabled:
                    raise InvalidGrant("the user of this refresh token is disabled")
                # RFC 6749 §6: no scope beyond what was granted (nor beyond the client's now).
                allowed = tuple(s for s in family.scope if s in client.requestable_scope)
                scope = grant_scope(requested, allowed)
                audience = narrow_audience(form.getall("resource", []), family.audience)
                refresh_token = await self._refresh_tokens.add_token(
                    tx, family.family_id, started_at=family.started_at
                )
                await self._revoked.remember(
                    tx,
                    jti=jti,
                    grant_key=family.family_id,
                    client_id=client.client_id,
                    exp=now + self._tokens.ttl,
                )
        if family is None:
            await self._revoke_after_replay(presented, client.client_id)
            raise InvalidGrant("the refresh token is invalid, expired or already used")
        token = await self._tokens.issue(
            subject=family.user_id,
            client_id=client.client_id,
            audience=audience,
            scope=scope,
            extra_claims={"auth_time": family.auth_time},
            jti=jti,
            now=now,
            jkt=request.jkt,
        )
        identity = self._identity(user, family, scope, token.access_token, now)
        return token.response(refresh_token=refresh_token, **identity)

    def _identity(
        self, user: User | None, family: Family, scope: tuple[str, ...], access_token: str, now: int
    ) -> dict[str, str]:
        """OpenID Connect Core §12.2: with `openid`, an ID token for the same sign-in: same
        iss, sub, aud, azp and auth_time; no nonce."""
        if OPENID not in scope or user is None:
            return {}
        id_token = self._id_tokens.issue(
            user=user,
            client_id=family.client_id,
            scope=scope,
            auth_time=family.auth_time,
            access_token=access_token,
            now=now,
        )
        return {"id_token": id_token}

    async def _revoke_after_replay(self, presented: str, client_id: str) -> None:
        family_id = await self._refresh_tokens.family_of_spent(presented)
        if family_id is None:
            return
        audit("refresh_token_reuse", "family_revoked", client_id=client_id)
        if await self._refresh_tokens.revoke_family(family_id):
            log.warning("refresh token replayed: revoked its family %s", family_id)
        if denied := await self._revoked.revoke_grant(family_id):
            log.warning("refresh token replayed: revoked %d access token(s)", denied)
