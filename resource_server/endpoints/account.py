"""GET and PUT /account: the token subject's own JSON object."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from resource_server.appkeys import ACCOUNTS
from resource_server.middleware import access_token, require_scope
from resource_server.validation import AccessToken
from shared.errors import InvalidRequest
from shared.http import NO_STORE, json_response, read_body

MAX_BODY_BYTES = 16_384


def _shape(token: AccessToken, data: dict[str, Any]) -> web.Response:
    body = {
        "subject": token.subject,
        "client_id": token.client_id,
        "scope": token.scope_text,
        "data": data,
    }
    return json_response(body, headers=NO_STORE)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_object(body: bytes) -> dict[str, Any]:
    """RFC 8259 JSON that must be an object; anything else is invalid_request."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidRequest("the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise InvalidRequest("the body must be a JSON object")
    return value


@require_scope("read")
async def get_account(request: web.Request) -> web.Response:
    """GET /account"""
    token = access_token(request)
    return _shape(token, await request.app[ACCOUNTS].get(token.subject))


@require_scope("write")
async def put_account(request: web.Request) -> web.Response:
    """PUT /account: the body is the whole new object, stored as `data`."""
    token = access_token(request)
    data = parse_object(await read_body(request, MAX_BODY_BYTES))
    await request.app[ACCOUNTS].put(token.subject, data)
    return _shape(token, data)
