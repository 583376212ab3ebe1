"""The device authorization endpoint (RFC 8628 §3.1-§3.2): a device asks for a pair of codes."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from auth_server.appkeys import DEVICE_CODES, SETTINGS
from auth_server.clients.registry import DEVICE_CODE
from auth_server.device.codes import DeviceGrant, format_user_code
from auth_server.endpoints.client_auth import authenticate_request
from auth_server.endpoints.metadata import VERIFICATION_PATH
from auth_server.scopes import grant_scope, parse_scope
from auth_server.tokens.audiences import choose_audience
from shared.errors import UnauthorizedClient
from shared.http import NO_STORE, json_response, read_form, single


async def device_authorization(request: web.Request) -> web.Response:
    """POST /device_authorization"""
    app = request.app
    settings = app[SETTINGS]
    form = await read_form(request)
    # RFC 8628 §3.1: clients authenticate as they would at the token endpoint.
    client = await authenticate_request(request, form)
    if DEVICE_CODE not in client.grant_types:
        raise UnauthorizedClient("this client may not use the device authorization grant")
    grant = DeviceGrant(
        client_id=client.client_id,
        scope=grant_scope(parse_scope(single(form, "scope")), client.scope),
        audience=choose_audience(
            form.getall("resource", []),
            client.allowed_audiences(settings.default_audience),
            settings.default_audience,
        ),
    )
    issued = await app[DEVICE_CODES].issue(grant)
    user_code = format_user_code(issued.user_code)
    verification_uri = settings.issuer + VERIFICATION_PATH
    body = {
        "device_code": issued.device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": f"{verification_uri}?{urlencode({'user_code': user_code})}",
        "expires_in": issued.expires_in,
        "interval": issued.interval,
    }
    return json_response(body, headers=NO_STORE)
