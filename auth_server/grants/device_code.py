"""RFC 8628 §3.4-§3.5: the device polls with its device code until the person has decided."""

from __future__ import annotations

import time
from typing import Any

from auth_server.clients.registry import DEVICE_CODE, REFRESH_TOKEN, Client
from auth_server.device.codes import APPROVED, DENIED, REDEEMED, DeviceCodes, PollState
from auth_server.grants import TokenRequest
from auth_server.signin.users import UserRepository
from auth_server.tokens.audiences import narrow_audience
from auth_server.tokens.issuer import AccessTokenIssuer, new_jti
from auth_server.tokens.refresh import RefreshTokens
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.db import Database, Executor
from shared.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    OAuthError,
    SlowDown,
)
from shared.http import single

MAX_DEVICE_CODE_LENGTH = 256


def poll_error(state: PollState | None, now: int) -> OAuthError | None:
    """What a poll is answered with (RFC 8628 §3.5), or None when it gets the token."""
    if state is None:
        return InvalidGrant("unknown device_code, or issued to another client")
    if state.status == REDEEMED:
        return InvalidGrant("the device_code was already used")  # RFC 6749 §4.1.2: once
    if state.expires_at <= now:
        return ExpiredToken("the device_code has expired; start again")
    if state.status == DENIED:
        return AccessDenied("the user denied the request")
    if state.status == APPROVED:
        return None
    if state.polled_too_fast:
        return SlowDown("polled too soon; wait 5 seconds longer between polls from now on")
    return AuthorizationPending("the user has not yet approved the request")


class DeviceCodeGrant:
    """An approved device code becomes an access token and, for clients allowed it, a new
    refresh-token family, as an authorization code does."""

    grant_type = DEVICE_CODE

    def __init__(
        self,
        database: Database,
        device_codes: DeviceCodes,
        refresh_tokens: RefreshTokens,
        users: UserRepository,
        tokens: AccessTokenIssuer,
        revoked: RevokedAccessTokens,
    ) -> None:
        self._db = database
        self._codes = device_codes
        self._refresh_tokens = refresh_tokens
        self._users = users
        self._tokens = tokens
        self._revoked = revoked

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        form, client = request.form, request.client
        device_code = single(form, "device_code", required=True) or ""
        if len(device_code) > MAX_DEVICE_CODE_LENGTH:
            raise InvalidGrant("unknown device_code, or issued to another client")
        jti, now = new_jti(), int(time.time())
        audience: tuple[str, ...] = ()
        refresh_token = None
        async with self._db.transaction() as tx:
            # The interval grown by slow_down must stay, so errors are raised after commit.
            state = await self._codes.poll(tx, device_code, client.client_id)
            error = poll_error(state, now)
            if error is None and state is not None:
                audience = narrow_audience(form.getall("resource", []), state.audience)
                refresh_token = await self._redeem(tx, device_code, client, state, jti, now)
        if error is not None or state is None:
            raise error or InvalidGrant()
        token = await self._tokens.issue(
            subject=state.user_id or "",
            client_id=client.client_id,
            audience=audience,
            scope=state.scope,
            extra_claims={"auth_time": state.auth_time},
            jti=jti,
            now=now,
        )
        return token.response(refresh_token=refresh_token) if refresh_token else token.response()

    async def _redeem(
        self, tx: Executor, device_code: str, client: Client, state: PollState, jti: str, now: int
    ) -> str | None:
        """Spend the code and record the grant; return a refresh token where the client has
        that grant."""
        user = await self._users.get(state.user_id or "", tx)
        if user is None or user.disabled:
            raise InvalidGrant("the user who approved this device is disabled")
        if not await self._codes.redeem(tx, device_code):
            raise InvalidGrant("the device_code was already used")
        grant_key, refresh_token = self._codes.digest(device_code), None
        if REFRESH_TOKEN in client.grant_types:
            grant_key, refresh_token = await self._refresh_tokens.start_family(
                tx,
                client_id=client.client_id,
                user_id=user.user_id,
                scope=state.scope,
                audience=state.audience,
                auth_time=state.auth_time or now,
            )
        await self._revoked.remember(
            tx, jti=jti, grant_key=grant_key, client_id=client.client_id, exp=now + self._tokens.ttl
        )
        return refresh_token
