"""The client configuration endpoint (RFC 7592): a registered client reads, replaces or
deletes its own registration with its registration access token."""

from __future__ import annotations

import logging

from aiohttp import web

from auth_server.appkeys import CLIENTS, REGISTRATIONS, REVOKED, SERVER_SECRETS, SETTINGS
from auth_server.clients.metadata import InvalidClientMetadata, client_information
from auth_server.clients.registry import Client
from auth_server.endpoints.bearer import invalid_token, presented_token
from auth_server.endpoints.client_auth import refuse_secrets_in_query
from auth_server.endpoints.registration import configuration_uri, parse_request, read_metadata
from auth_server.offboarding import delete_client
from shared.audit import audit
from shared.http import NO_STORE, json_response

log = logging.getLogger(__name__)


async def _authorized(request: web.Request) -> tuple[Client, str]:
    """The client named in the path, if the request's token is its registration token."""
    issuer = request.app[SETTINGS].issuer
    token = presented_token(request, issuer)
    client_id = request.match_info["client_id"]
    owner = await request.app[REGISTRATIONS].client_id_of(token)
    client = await request.app[CLIENTS].get(client_id) if owner == client_id else None
    # RFC 7592 §2: an unknown client, or another client's token, is 401 invalid_token.
    if client is None:
        raise invalid_token(issuer)
    return client, token


def _response(request: web.Request, client: Client, token: str) -> web.Response:
    """RFC 7592 §3: the client information; the token is the one the client just sent."""
    info = client_information(
        client, configuration_uri(request.app[SETTINGS].issuer, client.client_id)
    )
    info["registration_access_token"] = token
    return json_response(info, headers=NO_STORE)


async def read_configuration(request: web.Request) -> web.Response:
    """GET /register/{client_id} (RFC 7592 §2.1)"""
    client, token = await _authorized(request)
    return _response(request, client, token)


async def update_configuration(request: web.Request) -> web.Response:
    """PUT /register/{client_id} (RFC 7592 §2.2): the body replaces the metadata."""
    refuse_secrets_in_query(request)
    client, token = await _authorized(request)
    body = await read_metadata(request)
    if body.get("client_id") != client.client_id:
        raise InvalidClientMetadata("client_id must be present and be this client's id")
    secret = body.get("client_secret")
    if secret is not None and (
        not isinstance(secret, str)
        or client.secret_digest is None
        or not request.app[SERVER_SECRETS].matches(secret, client.secret_digest)
    ):
        raise InvalidClientMetadata("client_secret does not match the client's secret")
    new = parse_request(request, body, client.source)  # an anonymous client stays one
    if new.public != client.is_public:
        raise InvalidClientMetadata("a client cannot change between public and confidential")
    updated = await request.app[CLIENTS].update(client.client_id, new)
    if updated is None:  # deleted meanwhile
        raise invalid_token(request.app[SETTINGS].issuer)
    log.info("client %s updated its registration", client.client_id)
    audit("client_updated", "success", request, client_id=client.client_id)
    return _response(request, updated, token)


async def delete_configuration(request: web.Request) -> web.Response:
    """DELETE /register/{client_id} (RFC 7592 §2.3): the client, its grants and tokens go."""
    client, _ = await _authorized(request)
    app = request.app
    await delete_client(
        app[CLIENTS], app[REVOKED], client.client_id, app[SETTINGS].access_token_ttl
    )
    log.info("client %s deleted its registration", client.client_id)
    audit("client_deleted", "success", request, client_id=client.client_id)
    return web.Response(status=204, headers=NO_STORE)
