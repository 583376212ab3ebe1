"""RFC 6749 §6 with RFC 9700 §4.14: refresh tokens rotate; a replay revokes the family."""

from __future__ import annotations

import logging
from typing import Any

from auth_server.audience import narrow_audience
from auth_server.clients import REFRESH_TOKEN
from auth_server.grants import TokenRequest
from auth_server.refresh_tokens import Family, RefreshTokens
from auth_server.scopes import grant_scope, parse_scope
from auth_server.tokens import AccessTokenIssuer
from auth_server.users import UserRepository
from shared.db import Database
from shared.errors import InvalidGrant
from shared.http import single

log = logging.getLogger(__name__)


class RefreshTokenGrant:
    """Spend one refresh token, get an access token and the family's next refresh token."""

    grant_type = REFRESH_TOKEN

    def __init__(
        self,
        database: Database,
        refresh_tokens: RefreshTokens,
        users: UserRepository,
        tokens: AccessTokenIssuer,
    ) -> None:
        self._db = database
        self._refresh_tokens = refresh_tokens
        self._users = users
        self._tokens = tokens

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        form, client = request.form, request.client
        presented = single(form, "refresh_token", required=True) or ""
        requested = parse_scope(single(form, "scope"))
        family: Family | None = None
        async with self._db.transaction() as tx:
            spent = await self._refresh_tokens.spend(tx, presented)
            if spent is not None:
                family = spent.family
                if family.client_id != client.client_id:
                    raise InvalidGrant("the refresh token was issued to another client")
                if family.revoked or spent.expired:
                    raise InvalidGrant("the refresh token has expired or was revoked")
                user = await self._users.get(family.user_id, tx)
                if user is None or user.disabled:
                    raise InvalidGrant("the user of this refresh token is disabled")
                # RFC 6749 §6: no scope beyond what was granted (nor beyond the client's now).
                allowed = tuple(s for s in family.scope if s in client.scope)
                scope = grant_scope(requested, allowed)
                audience = narrow_audience(form.getall("resource", []), family.audience)
                refresh_token = await self._refresh_tokens.add_token(tx, family.family_id)
        if family is None:
            await self._revoke_after_replay(presented)
            raise InvalidGrant("the refresh token is invalid, expired or already used")
        token = await self._tokens.issue(
            subject=family.user_id,
            client_id=client.client_id,
            audience=audience,
            scope=scope,
            extra_claims={"auth_time": family.auth_time},
        )
        return token.response(refresh_token=refresh_token)

    async def _revoke_after_replay(self, presented: str) -> None:
        family_id = await self._refresh_tokens.family_of_spent(presented)
        if family_id is not None and await self._refresh_tokens.revoke_family(family_id):
            log.warning("refresh token replayed: revoked its family %s", family_id)
