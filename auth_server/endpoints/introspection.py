"""The introspection endpoint (RFC 7662): what is known of a token, and to whom."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import SETTINGS, TOKEN_LOOKUP
from auth_server.clients.registry import Client
from auth_server.endpoints.client_auth import authenticate_request, refuse_secrets_in_query
from auth_server.tokens.lookup import FoundToken, audience_of
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
    # SPEC: a client sees its own tokens; one registered with --introspect sees every token
    # meant for its audiences. RFC 7662 §2.2: anything else (revoked, expired, unknown, not
    # yours, meant for another resource server) is only inactive.
    if found is None or not _may_see(client, found, request.app[SETTINGS].default_audience):
        return json_response(INACTIVE, headers=NO_STORE)
    if not await lookup.is_active(found):
        return json_response(INACTIVE, headers=NO_STORE)
    return json_response(lookup.describe(found), headers=NO_STORE)


def _may_see(client: Client, found: FoundToken, default_audience: str) -> bool:
    """Its own token, or (RFC 7662 §4) a token meant for a resource server it stands for."""
    if found.client_id == client.client_id:
        return True
    audiences = client.allowed_audiences(default_audience)
    return client.introspect and any(aud in audiences for aud in audience_of(found))
