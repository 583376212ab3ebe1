"""Per-request identity for logs: the request id (taken or made), the client it served, and
the address it came from."""

from __future__ import annotations

import contextvars
import re
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = web.RequestKey("request_id", str)
# Set by whatever authenticates the caller: the client at the auth server, the token's
# client_id at the resource server. Only ever an identifier, never a credential.
CLIENT_ID = web.RequestKey("client_id", str)

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)
current_address: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_address", default=None
)

# A caller's id is echoed into logs and headers, so only a short, plain one is taken.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(header: str | None) -> str:
    """The caller's X-Request-ID when it is short and plain, else a fresh random one."""
    if header is not None and _ACCEPTABLE_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id, make it visible to log records, and return it."""
    request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))
    request[REQUEST_ID] = request_id
    token = current_request_id.set(request_id)
    address = current_address.set(client_address(request))
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        current_address.reset(address)
        current_request_id.reset(token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def set_client_id(request: web.Request, client_id: str) -> None:
    """Record which client a request acted for, for the access log."""
    request[CLIENT_ID] = client_id


def client_address(request: web.BaseRequest) -> str:
    """The address of the client, for throttles and logs: the TCP peer (the one place where
    trusted proxies' forwarding headers will be believed)."""
    return request.remote or "unknown"
