"""RFC 6749 §4.4: the client credentials grant."""

from __future__ import annotations

from typing import Any

from auth_server.clients.registry import CLIENT_CREDENTIALS
from auth_server.grants import TokenRequest
from auth_server.scopes import IDENTITY_SCOPES, grant_scope, parse_scope
from auth_server.tokens.audiences import choose_audience
from auth_server.tokens.issuer import AccessTokenIssuer
from shared.errors import UnauthorizedClient
from shared.http import single


class ClientCredentialsGrant:
    """A client acting for itself: `sub` is its own id; nothing is written anywhere."""

    grant_type = CLIENT_CREDENTIALS

    def __init__(self, tokens: AccessTokenIssuer, default_audience: str) -> None:
        self._tokens = tokens
        self._default_audience = default_audience

    async def exchange(self, request: TokenRequest) -> dict[str, Any]:
        client = request.client
        if client.is_public:
            raise UnauthorizedClient("public clients cannot use client_credentials")
        # SPEC "OpenID Connect": no identity scope for a client acting for itself.
        allowed = tuple(name for name in client.scope if name not in IDENTITY_SCOPES)
        scope = grant_scope(parse_scope(single(request.form, "scope")), allowed)
        audience = choose_audience(
            request.form.getall("resource", []),
            client.allowed_audiences(self._default_audience),
            self._default_audience,
        )
        token = await self._tokens.issue(
            subject=client.client_id,
            client_id=client.client_id,
            audience=audience,
            scope=scope,
            jkt=request.jkt,
        )
        # RFC 6749 §4.4.3: no refresh token for this grant.
        return token.response()
