"""RFC 6749 §4.1.3 with RFC 7636 §4.6: redeem an authorization code, once."""

from __future__ import annotations

import logging
import time
from typing import Any

from auth_server.clients.registry import AUTHORIZATION_CODE, REFRESH_TOKEN, Client
from auth_server.grants import TokenRequest
from auth_server.oidc.id_token import IdTokenIssuer
from auth_server.scopes import OPENID
from auth_server.signin.codes import AuthorizationCodes, CodeGrant, StoredCode
from auth_server.signin.pkce import verifier_matches
from auth_server.signin.users import User
from auth_server.tokens.audiences import narrow_audience
from auth_server.tokens.issuer import AccessTokenIssuer, new_jti
from auth_server.tokens.refresh import RefreshTokens
from auth_server.tokens.revocations import RevokedAccessTokens
from shared.errors import InvalidGrant
from shared.http import single

log = logging.getLogger(__name__)
INVALID = "the authorization code is invalid, expired or already used"


def check_redemption(
    grant: CodeGrant, client: Client, redirect_uri: str | None, verifier: str | None
) -> None:
    """Everything the token request must match of the authorization request."""
    # RFC 6749 §4.1.3: the code was issued to this client, and is still valid.
    if grant.client_id != client.client_id:
        raise InvalidGrant("the authorization code was issued to another client")
    if grant.expires_at <= time.time():
        raise InvalidGrant("the authorization code has expired")
    # RFC 6749 §4.1.3: redirect_uri must be identical when the authorization request had one.
    if (
        grant.redirect_uri_given or redirect_uri is not None
    ) and redirect_uri != grant.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the authorization request")
    if not verifier_matches(verifier, grant.code_challenge):
        raise InvalidGrant("code_verifier is missing or does not match the code_challenge")


def replay_is_the_clients_own(used: StoredCode, client: Client, verifier: str | None) -> bool:
    """The code's own client presents it again, proving who it is: authenticated with its
    secret, or, for a public client (which has none), with the code's code_verifier."""
    if used.grant.client_id != client.client_id:
        return False
    return not client.is_public or verifier_matches(verifier, used.grant.code_challenge)


class AuthorizationCodeGrant:
    """Codes become an access token and, for clients allowed it, a new refresh-token family."""

    grant_type = AUTHORIZATION_CODE

    def __init__(
        self,
        codes: AuthorizationCodes,
        refresh_tokens: RefreshTokens,
        tokens: AccessTokenIssuer,
        revoked: RevokedAccessTokens,
        id_tokens: IdTokenIssuer,
    ) -> None:
        self._id_tokens = id_tokens
        self._codes = codes
        self._refresh_tokens = refresh_tokens
        self._tokens = tokens
        self._revoked = revoked

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        form, client = request.form, request.client
        code = single(form, "code", required=True) or ""
        redirect_uri, verifier = single(form, "redirect_uri"), single(form, "code_verifier")
        resources = form.getall("resource", [])
        jti, now = new_jti(), int(time.time())
        if resources:
            # Judged before the code is spent, so that a request naming a resource beyond the
            # grant leaves it usable; a code's audience never changes, so the answer holds.
            stored = await self._judge(code, client, redirect_uri, verifier)
            narrow_audience(resources, stored.grant.audience)
        family = None
        if REFRESH_TOKEN in client.grant_types:
            # RFC 9449 §5: a public client's refresh tokens are bound to its DPoP key.
            jkt = request.jkt if client.is_public else None
            family = self._refresh_tokens.new_family(jkt=jkt, now=now)
        redeemed = await self._codes.redeem(
            code,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            code_verifier=verifier,
            family=family,
            jti=jti,
            access_exp=now + self._tokens.ttl,
        )
        if redeemed is None:
            await self._judge(code, client, redirect_uri, verifier)
            raise InvalidGrant(INVALID)  # redeemable when judged: used since
        grant = redeemed.grant
        token = await self._tokens.issue(
            subject=grant.user_id,
            client_id=client.client_id,
            audience=narrow_audience(resources, grant.audience),
            scope=grant.scope,
            extra_claims={"auth_time": grant.auth_time},
            jti=jti,
            now=now,
            jkt=request.jkt,
        )
        extra = {"refresh_token": family.refresh_token} if family else {}
        identity = self._identity(redeemed.user, grant, token.access_token, now)
        return token.response(**extra, **identity)

    async def _judge(
        self, code: str, client: Client, redirect_uri: str | None, verifier: str | None
    ) -> StoredCode:
        """The code if this request may redeem it; else the error it gets, after revoking what
        the code produced if it was used before."""
        stored = await self._codes.find(code)
        if stored is None:
            raise InvalidGrant(INVALID)
        if stored.used:
            await self._revoke_after_replay(code, stored, client, verifier)
            raise InvalidGrant(INVALID)
        check_redemption(stored.grant, client, redirect_uri, verifier)
        if stored.user_disabled:
            raise InvalidGrant("the user who authorized this code is disabled")
        return stored

    def _identity(
        self, user: User, grant: CodeGrant, access_token: str, now: int
    ) -> dict[str, str]:
        """OpenID Connect Core §3.1.3.3: with `openid` granted, an ID token comes too."""
        if OPENID not in grant.scope:
            return {}
        id_token = self._id_tokens.issue(
            user=user,
            client_id=grant.client_id,
            scope=grant.scope,
            auth_time=grant.auth_time,
            access_token=access_token,
            nonce=grant.nonce,
            now=now,
        )
        return {"id_token": id_token}

    async def _revoke_after_replay(
        self, code: str, used: StoredCode, client: Client, verifier: str | None
    ) -> None:
        # RFC 6749 §4.1.2: a code used twice revokes what the first use produced.
        if not replay_is_the_clients_own(used, client, verifier):
            return  # anyone else holding a stolen code must not end the user's grant
        family_id = used.family_id
        if family_id is not None and await self._refresh_tokens.revoke_family(family_id):
            log.warning("authorization code replayed: revoked refresh-token family %s", family_id)
        grants = (self._codes.digest(code), *((family_id,) if family_id else ()))
        if denied := await self._revoked.revoke_grant(*grants):
            log.warning("authorization code replayed: revoked %d access token(s)", denied)
