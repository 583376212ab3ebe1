"""The client registration endpoint (RFC 7591 §3), open to holders of the initial access token."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from auth_server.appkeys import GRANTS, REGISTRATION_THROTTLE, REGISTRATIONS, SETTINGS
from auth_server.clients.metadata import InvalidClientMetadata, client_information, parse_metadata
from auth_server.clients.registry import OPEN_REGISTRATION, REGISTRATION, NewClient
from auth_server.endpoints.bearer import invalid_token, presented_token
from auth_server.endpoints.client_auth import refuse_secrets_in_query
from auth_server.endpoints.metadata import REGISTRATION_PATH
from shared.audit import audit
from shared.bearer import same_token
from shared.errors import InvalidRequest, OAuthError
from shared.http import NO_STORE, json_response, read_body
from shared.request_context import client_address

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


def parse_request(
    request: web.Request, body: dict[str, Any], source: str = REGISTRATION
) -> NewClient:
    """The metadata checked against this server's scopes and installed grants, and against
    the rules for anonymous clients when `source` says it is one."""
    return parse_metadata(
        body,
        server_scopes=request.app[SETTINGS].scopes,
        grant_types=tuple(request.app[GRANTS].keys()),
        source=source,
    )


def registrant(request: web.Request) -> str:
    """Who registers: the holder of the initial access token, or with AUTH_REGISTRATION=open
    a request with no credentials at all (an anonymous client)."""
    settings = request.app[SETTINGS]
    if settings.registration_mode == "open" and "Authorization" not in request.headers:
        return OPEN_REGISTRATION
    presented = presented_token(request, settings.issuer)
    if settings.registration_token is None or not same_token(
        presented, settings.registration_token
    ):
        raise invalid_token(settings.issuer)
    return REGISTRATION


async def checked_registration(request: web.Request) -> NewClient:
    """The request's metadata, checked; an anonymous one counted against its address first."""
    source = registrant(request)
    body = await read_metadata(request)
    if source != OPEN_REGISTRATION:
        return parse_request(request, body)
    throttle = request.app[REGISTRATION_THROTTLE]
    attempt = await throttle.attempt(client_address(request))
    try:
        return parse_request(request, body, OPEN_REGISTRATION)
    except OAuthError:
        await throttle.refused(attempt)
        raise


async def register(request: web.Request) -> web.Response:
    """POST /register"""
    settings = request.app[SETTINGS]
    refuse_secrets_in_query(request)
    new = await checked_registration(request)
    client, secret, token = await request.app[REGISTRATIONS].register(new)
    log.info("registered client %s (%s, %s)", client.client_id, client.client_name, new.source)
    audit("client_registered", "success", request, client_id=client.client_id)
    info = client_information(client, configuration_uri(settings.issuer, client.client_id))
    info["registration_access_token"] = token
    if secret is not None:
        info["client_secret"] = secret
    return json_response(info, status=201, headers=NO_STORE)
