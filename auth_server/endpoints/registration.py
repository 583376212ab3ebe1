"""The client registration endpoint (RFC 7591 §3), open to holders of the initial access token."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from auth_server.appkeys import GRANTS, REGISTRATIONS, SETTINGS
from auth_server.bearer import bearer_token, invalid_token, same_token
from auth_server.clients.metadata import InvalidClientMetadata, client_information, parse_metadata
from auth_server.clients.registry import NewClient
from auth_server.endpoints.metadata import REGISTRATION_PATH
from shared.audit import audit
from shared.errors import InvalidRequest
from shared.http import NO_STORE, json_response, read_body

log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json"
MAX_METADATA_BYTES = 16 * 1024


def configuration_uri(issuer: str, client_id: str) -> str:
    """RFC 7592 §3: the client's own configuration endpoint."""
    return f"{issuer}{REGISTRATION_PATH}/{client_id}"


async def read_metadata(request: web.Request) -> dict[str, Any]:
    """The JSON object of a registration or update request (RFC 7591 §3.1)."""
    if request.content_type != JSON_CONTENT_TYPE:
        raise InvalidRequest(f"the body must be {JSON_CONTENT_TYPE}")
    try:
        body = json.loads(await read_body(request, MAX_METADATA_BYTES))
    except (ValueError, RecursionError):
        raise InvalidClientMetadata("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidClientMetadata("the body must be a JSON object")
    return body


def parse_request(request: web.Request, body: dict[str, Any]) -> NewClient:
    """The metadata checked against this server's scopes and installed grants."""
    return parse_metadata(
        body,
        server_scopes=request.app[SETTINGS].scopes,
        grant_types=tuple(request.app[GRANTS].keys()),
    )


async def register(request: web.Request) -> web.Response:
    """POST /register"""
    settings = request.app[SETTINGS]
    presented = bearer_token(request, settings.issuer)
    # The route exists only while AUTH_REGISTRATION_TOKEN is set.
    if settings.registration_token is None or not same_token(
        presented, settings.registration_token
    ):
        raise invalid_token(settings.issuer)
    new = parse_request(request, await read_metadata(request))
    client, secret, token = await request.app[REGISTRATIONS].register(new)
    log.info("registered client %s (%s)", client.client_id, client.client_name)
    audit("client_registered", "success", request, client_id=client.client_id)
    info = client_information(client, configuration_uri(settings.issuer, client.client_id))
    info["registration_access_token"] = token
    if secret is not None:
        info["client_secret"] = secret
    return json_response(info, status=201, headers=NO_STORE)
