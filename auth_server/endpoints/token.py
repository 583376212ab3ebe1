"""The token endpoint (RFC 6749 §3.2): authenticate the client, then let its grant answer."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import DPOP, GRANTS, TOKENS_ISSUED
from auth_server.endpoints.client_auth import authenticate_request, refuse_secrets_in_query
from auth_server.grants import TokenRequest
from shared.errors import UnauthorizedClient, UnsupportedGrantType
from shared.http import NO_STORE, json_response, read_form, single


async def token(request: web.Request) -> web.Response:
    """POST /token"""
    app = request.app
    refuse_secrets_in_query(request)
    form = await read_form(request)
    grant_type = single(form, "grant_type", required=True)
    grant = app[GRANTS].get(grant_type or "")
    if grant is None:
        raise UnsupportedGrantType(f"grant type {grant_type!r} is not supported")
    client = await authenticate_request(request, form)
    if grant.grant_type not in client.grant_types:
        raise UnauthorizedClient(f"this client may not use the {grant.grant_type} grant")
    jkt = await app[DPOP].proof_key(request, client)
    body = await grant.exchange(TokenRequest(client=client, form=form, jkt=jkt))
    app[TOKENS_ISSUED].labels(grant.grant_type).inc()
    return json_response(body, headers=NO_STORE)
