"""RFC 6749 §6 with RFC 9700 §4.14: refresh tokens rotate; a replay revokes the family."""

from __future__ import annotations

import logging
import time
from typing import Any

from auth_server.clients.registry import REFRESH_TOKEN, Client
from auth_server.grants import TokenRequest
from auth_server.oidc.id_token import IdTokenIssuer
from auth_server.scopes import OPENID, grant_scope, parse_scope
from auth_server.signin.users import User
from auth_server.tokens.audiences import narrow_audience
from auth_server.tokens.issuer import AccessTokenIssuer, new_jti
from auth_server.tokens.refresh import Family, RefreshTokens, RefreshTokenState
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.audit import audit
from shared.errors import InvalidDpopProof, InvalidGrant
from shared.http import single

log = logging.getLogger(__name__)
INVALID = "the refresh token is invalid, expired or already used"


def check_binding(bound: str | None, presented: str | None) -> None:
    """RFC 9449 §5: a refresh token bound to a key needs a proof by that key."""
    if bound is None:
        return
    if presented is None:
        raise InvalidDpopProof("this refresh token is DPoP-bound: send a proof by its key")
    if presented != bound:
        raise InvalidGrant("the refresh token is bound to another DPoP key")


def refuse_unless_usable(
    state: RefreshTokenState, client_id: str, jkt: str | None, now: int
) -> None:
    """The refresh grant's rules for an unspent token, each with its own error; the same rules
    `RefreshTokens.rotate` checks in the database."""
    # RFC 6749 §6: the refresh token was issued to the authenticated client.
    if state.family.client_id != client_id:
        raise InvalidGrant("the refresh token was issued to another client")
    if state.family.revoked or state.expires_at <= now:
        raise InvalidGrant("the refresh token has expired or was revoked")
    check_binding(state.family.jkt, jkt)
    if state.user_disabled:
        raise InvalidGrant("the user of this refresh token is disabled")


def narrow(
    family: Family, client: Client, requested: tuple[str, ...] | None, resources: list[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The scope and audience of the new access token: RFC 6749 §6, no scope beyond what was
    granted (nor beyond the client's now); RFC 8707 §2.2, some of the granted resources."""
    allowed = tuple(s for s in family.scope if s in client.requestable_scope)
    return grant_scope(requested, allowed), narrow_audience(resources, family.audience)


class RefreshTokenGrant:
    """Spend one refresh token, get an access token and the family's next refresh token."""

    grant_type = REFRESH_TOKEN

    def __init__(
        self,
        refresh_tokens: RefreshTokens,
        tokens: AccessTokenIssuer,
        revoked: RevokedAccessTokens,
        id_tokens: IdTokenIssuer,
    ) -> None:
        self._id_tokens = id_tokens
        self._refresh_tokens = refresh_tokens
        self._tokens = tokens
        self._revoked = revoked

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        form, client = request.form, request.client
        presented = single(form, "refresh_token", required=True) or ""
        requested = parse_scope(single(form, "scope"))
        resources = form.getall("resource", [])
        jti, now = new_jti(), int(time.time())
        if requested is not None or resources:
            # Judged before the token is spent, so that a request asking too much leaves it
            # usable; a family's scope and audience never change, so the answer holds.
            state = await self._judge(presented, client.client_id, request.jkt, now)
            narrow(state.family, client, requested, resources)
        rotated = await self._refresh_tokens.rotate(
            presented,
            client_id=client.client_id,
            jkt=request.jkt,
            jti=jti,
            access_exp=now + self._tokens.ttl,
        )
        if rotated is None:
            await self._judge(presented, client.client_id, request.jkt, now)
            raise InvalidGrant(INVALID)  # valid when judged: spent or revoked since
        family = rotated.family
        scope, audience = narrow(family, client, requested, resources)
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
        user = User.from_row(rotated.owner)
        identity = self._identity(user, family, scope, token.access_token, now)
        return token.response(refresh_token=rotated.refresh_token, **identity)

    async def _judge(
        self, presented: str, client_id: str, jkt: str | None, now: int
    ) -> RefreshTokenState:
        """The presented token's state if the refresh grant accepts it; else the error it
        gets, after revoking its family if it was spent before (RFC 9700 §4.14.2)."""
        state = await self._refresh_tokens.find(presented)
        if state is None:
            raise InvalidGrant(INVALID)
        if state.used:
            await self._revoke_after_replay(state.family.family_id, client_id)
            raise InvalidGrant(INVALID)
        refuse_unless_usable(state, client_id, jkt, now)
        return state

    def _identity(
        self, user: User, family: Family, scope: tuple[str, ...], access_token: str, now: int
    ) -> dict[str, str]:
        """OpenID Connect Core §12.2: with `openid`, an ID token for the same sign-in: same
        iss, sub, aud, azp and auth_time; no nonce."""
        if OPENID not in scope:
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

    async def _revoke_after_replay(self, family_id: str, client_id: str) -> None:
        audit("refresh_token_reuse", "family_revoked", client_id=client_id)
        if await self._refresh_tokens.revoke_family(family_id):
            log.warning("refresh token replayed: revoked its family %s", family_id)
        if denied := await self._revoked.revoke_grant(family_id):
            log.warning("refresh token replayed: revoked %d access token(s)", denied)
