"""HTTP pieces both services use: the error-rendering middleware and request helpers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDictProxy

from shared.db import InvalidValue, StorageUnavailable
from shared.errors import (
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    OAuthError,
    RequestTimeout,
    RequestTooLarge,
    ServerError,
    TemporarilyUnavailable,
)

log = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# A client gets this long to deliver its body once the headers are in; slower is an attack
# (or a dead link) holding a connection and a handler open.
BODY_TIMEOUT_SECONDS = 10.0
CHUNK_BYTES = 4096
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(
    body: Mapping[str, Any] | list[Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A JSON response (compact, UTF-8), encoded by orjson: several times faster than json."""
    try:
        encoded = orjson.dumps(body)
    except orjson.JSONEncodeError:
        # orjson refuses lone surrogates, which JSON text can carry escaped (RFC 8259 §7).
        encoded = json.dumps(body, separators=(",", ":")).encode()
    return web.Response(
        body=encoded,
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def error_response(error: OAuthError) -> web.Response:
    """Render a protocol error: its JSON body, status and headers; never cached."""
    response = json_response(
        error.body(), status=error.status, headers={**NO_STORE, **error.headers()}
    )
    if error.close_connection:
        response.force_close()
    return response


def error_from_http(exc: web.HTTPException) -> OAuthError:
    """aiohttp's own errors (no route, wrong method, body too large) in our format."""
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return MethodNotAllowed(tuple(sorted(exc.allowed_methods)))
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return RequestTooLarge("the request body is too large")
    if exc.status == 404:
        return NotFound("no such endpoint")
    return InvalidRequest(exc.reason)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into a protocol error response; log what the client must not see."""
    try:
        return await handler(request)
    except OAuthError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(error_from_http(exc))
    except InvalidValue:
        return error_response(InvalidRequest("a parameter holds a value that cannot be used"))
    except StorageUnavailable as exc:
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exc)
        return error_response(TemporarilyUnavailable("the database is unreachable; retry shortly"))
    except asyncio.CancelledError:
        raise
    except ConnectionResetError:
        # The client went away mid-request (a proxy failing over, a closed tab): nothing to
        # answer and nothing unexpected, so no traceback.
        log.info("the client closed the connection during %s %s", request.method, request.path)
        return error_response(InvalidRequest("the connection was closed"))
    except Exception:
        log.exception("unexpected error during %s %s", request.method, request.path)
        return error_response(ServerError("an unexpected error occurred"))


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """The urlencoded body of a POST; anything else is invalid_request."""
    if request.content_type != FORM_CONTENT_TYPE:
        raise InvalidRequest(f"the body must be {FORM_CONTENT_TYPE}")
    try:
        if request.content.is_eof():
            form = await request.post()  # the whole body is here: nothing to wait for
        else:
            async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
                form = await request.post()
    except UnicodeDecodeError:
        raise InvalidRequest("the body is not valid UTF-8") from None
    except TimeoutError:
        raise RequestTimeout("the request body did not arrive in time") from None
    return form  # type: ignore[return-value]


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body: 413 as soon as it is known to exceed `limit` bytes, 408 when it does
    not arrive within BODY_TIMEOUT_SECONDS."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestTooLarge(f"the body must be at most {limit} bytes")
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            async for chunk in request.content.iter_chunked(CHUNK_BYTES):
                body += chunk
                if len(body) > limit:
                    raise RequestTooLarge(f"the body must be at most {limit} bytes")
    except TimeoutError:
        raise RequestTimeout("the request body did not arrive in time") from None
    return bytes(body)


def single(form: MultiDictProxy[str], name: str, *, required: bool = False) -> str | None:
    """A parameter that may appear at most once (RFC 6749 §3.2); empty counts as absent."""
    values = form.getall(name, [])
    if len(values) > 1:
        raise InvalidRequest(f"parameter '{name}' is repeated")
    value = values[0] if values else None
    if value == "":
        value = None
    if value is None and required:
        raise InvalidRequest(f"parameter '{name}' is required")
    return value
