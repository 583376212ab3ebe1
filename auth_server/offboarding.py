"""Ending a client or a user: their grants end and every access token they still hold becomes
void, at introspection and, through the revocation feed, at every resource server.

Client-credentials tokens have no row to deny-list one by one, so one entry voids all tokens
of the client (or user) issued up to now; it is listed until the last of them has expired."""

from __future__ import annotations

import logging
import time

from auth_server.clients.registry import ClientRepository
from auth_server.signin.users import UserRepository
from auth_server.tokens.refresh import RefreshTokens
from auth_server.tokens.revocations import CLIENT_ID, SUB, RevokedAccessTokens

log = logging.getLogger(__name__)


async def delete_client(
    clients: ClientRepository, revoked: RevokedAccessTokens, client_id: str, access_token_ttl: int
) -> bool:
    """Delete the client (its refresh tokens go with it) and void its access tokens."""
    now = int(time.time())
    async with revoked.transaction() as tx:
        if not await clients.delete(client_id, tx):
            return False
        await revoked.void_subject(
            tx, kind=CLIENT_ID, subject=client_id, issued_before=now, exp=now + access_token_ttl
        )
    log.info("client %s deleted; its tokens are revoked", client_id)
    return True


async def disable_user(
    users: UserRepository,
    refresh_tokens: RefreshTokens,
    revoked: RevokedAccessTokens,
    username: str,
    access_token_ttl: int,
) -> bool:
    """Disable the user, revoke their refresh-token families and void their access tokens."""
    now = int(time.time())
    async with revoked.transaction() as tx:
        user_id = await users.disable(tx, username)
        if user_id is None:
            return False
        families = await refresh_tokens.revoke_user_families(tx, user_id)
        await revoked.void_subject(
            tx, kind=SUB, subject=user_id, issued_before=now, exp=now + access_token_ttl
        )
    log.info("user %s disabled; %d refresh-token families revoked", user_id, families)
    return True
