"""The revocation endpoint (RFC 7009): a client revokes one of its own tokens."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from auth_server.appkeys import REFRESH_TOKENS, REVOKED, TOKEN_LOOKUP
from auth_server.clients.registry import Client
from auth_server.endpoints.client_auth import authenticate_request, refuse_secrets_in_query
from auth_server.tokens.lookup import FoundToken
from auth_server.tokens.refresh import RefreshTokenState
from auth_server.tokens.revocations import EXPIRY_MARGIN
from shared.audit import audit
from shared.http import NO_STORE, read_form, single

log = logging.getLogger(__name__)


async def revoke(request: web.Request) -> web.Response:
    """POST /revoke"""
    refuse_secrets_in_query(request)
    form = await read_form(request)
    client = await authenticate_request(request, form)
    token = single(form, "token", required=True) or ""
    # RFC 7009 §2.1: the hint is optional and may be wrong; an unknown one is no error either.
    single(form, "token_type_hint")
    found = await request.app[TOKEN_LOOKUP].find(token)
    # RFC 7009 §2.2: unknown tokens answer 200, and so (SPEC) do other clients' tokens.
    if found is not None and found.client_id == client.client_id:
        await _revoke(request.app, client, found)
        audit("token_revocation", "success", request, client_id=client.client_id)
    return web.Response(status=200, headers=NO_STORE)


async def _revoke(app: web.Application, client: Client, found: FoundToken) -> None:
    if isinstance(found, RefreshTokenState):
        # RFC 7009 §2.1: revoking a refresh token ends the grant: its whole family.
        family_id = found.family.family_id
        if await app[REFRESH_TOKENS].revoke_family(family_id):
            log.info("client %s revoked refresh-token family %s", client.client_id, family_id)
        # ...and the access tokens issued under it (RFC 7009 §2.1 SHOULD); a retry after a
        # failure here finds the family revoked already and still deny-lists them.
        if denied := await app[REVOKED].revoke_grant(family_id):
            log.info(
                "client %s revoked %d access token(s) of family %s",
                client.client_id,
                denied,
                family_id,
            )
    elif found.exp + EXPIRY_MARGIN > time.time():
        # Resource servers accept a token up to their leeway (at most EXPIRY_MARGIN) past its
        # `exp`; one expired longer ago is refused everywhere already and needs no entry.
        await app[REVOKED].add(jti=found.jti, client_id=found.client_id, exp=found.exp)
        log.info("client %s revoked access token %s", client.client_id, found.jti)
