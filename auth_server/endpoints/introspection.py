"""The introspection endpoint (RFC 7662): what is known of a token, and to whom."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import TOKEN_LOOKUP
from auth_server.endpoints.client_auth import authenticate_request, refuse_secrets_in_query
from shared.http import NO_STORE, json_response, read_form, single

INACTIVE = {"active": False}


async def introspect(request: web.Request) -> web.Response:
    """POST /introspect"""
    refuse_secrets_in_query(request)
    form = await read_form(request)
    # RFC 7662 §2.1: the caller must authenticate; a public client's client_id proves nothing.
    client = await authenticate_request(request, form, confidential=True)
    token = single(form, "token", required=True) or ""
    single(form, "token_type_hint")  # RFC 7662 §2.1: a hint only; our tokens tell their kind
    lookup = request.app[TOKEN_LOOKUP]
    found = await lookup.find(token)
    # SPEC: a client sees its own tokens; one registered with --introspect sees every token.
    # RFC 7662 §2.2: anything else (revoked, expired, unknown, not yours) is only inactive.
    if found is None or not (client.introspect or found.client_id == client.client_id):
        return json_response(INACTIVE, headers=NO_STORE)
    if not await lookup.is_active(found):
        return json_response(INACTIVE, headers=NO_STORE)
    return json_response(lookup.describe(found), headers=NO_STORE)
