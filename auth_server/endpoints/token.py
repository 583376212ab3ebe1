"""The token endpoint (RFC 6749 §3.2): authenticate the client, then let its grant answer."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import CLIENTS, GRANTS, SERVER_SECRETS, SETTINGS
from auth_server.client_auth import authenticate, read_credentials
from auth_server.grants import TokenRequest
from shared.errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType
from shared.http import NO_STORE, json_response, read_form, single


async def token(request: web.Request) -> web.Response:
    """POST /token"""
    app = request.app
    form = await read_form(request)
    grant_type = single(form, "grant_type", required=True)
    grant = app[GRANTS].get(grant_type or "")
    if grant is None:
        raise UnsupportedGrantType(f"grant type {grant_type!r} is not supported")
    authorization = request.headers.getall("Authorization", [])
    if len(authorization) > 1:
        raise InvalidRequest("more than one Authorization header")
    realm = app[SETTINGS].issuer
    credentials = read_credentials(authorization[0] if authorization else None, form, realm)
    client = await authenticate(credentials, app[CLIENTS], app[SERVER_SECRETS], realm)
    if grant.grant_type not in client.grant_types:
        raise UnauthorizedClient(f"this client may not use the {grant.grant_type} grant")
    body = await grant.exchange(TokenRequest(client=client, form=form))
    return json_response(body, headers=NO_STORE)
