"""Bearer authentication for any aiohttp application: a middleware and per-route scope needs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from resource_server.dpop import DpopPolicy, challenged, check_binding
from resource_server.validation import MAX_TOKEN_CHARS, AccessToken, TokenValidator
from shared.bearer import access_token as presented_token
from shared.errors import (
    BearerError,
    InsufficientScope,
    OAuthError,
)
from shared.http import error_response
from shared.request_context import CLIENT_ID

ACCESS_TOKEN = web.RequestKey("access_token", AccessToken)
_PUBLIC = "__bearer_public__"
_SCOPED = "__bearer_scope__"

H = TypeVar("H", bound=Handler)


class _Scoped(NamedTuple):
    """What `require_scope` put around a handler: the wrapper itself (a decorator above it
    that copies attributes does not make its own wrapper `guarded`), the scopes it needs, and
    the handler it calls."""

    guarded: Handler
    needed: frozenset[str]
    described: str
    handler: Handler


def public(handler: H) -> H:
    """Mark a route that needs no token (health checks, metadata)."""
    setattr(handler, _PUBLIC, True)
    return handler


def access_token(request: web.Request) -> AccessToken:
    """The verified token of a protected request."""
    try:
        return request[ACCESS_TOKEN]
    except KeyError:
        raise RuntimeError("this route is not behind the bearer_auth middleware") from None


def bearer_auth(
    validator: TokenValidator,
    *,
    realm: str,
    resource_metadata: str,
    on_refusal: Callable[[BearerError], None] | None = None,
    dpop: DpopPolicy | None = None,
) -> Middleware:
    """A middleware that admits a request to a non-public route only with a valid token;
    `on_refusal` hears of every refusal (for metrics); with `dpop`, DPoP-bound tokens are
    accepted with their proofs (RFC 9449 §7) and never as bearer tokens."""
    # RFC 6750 §3 and RFC 9728 §5.1: every challenge names the realm and the metadata URL.
    challenge = {"realm": realm, "resource_metadata": resource_metadata}
    schemes = ("bearer",) if dpop is None else ("bearer", "dpop")
    bearer_refused = dpop is not None and dpop.required

    def refuse(exc: BearerError, scheme: str) -> web.Response:
        if on_refusal is not None:
            on_refusal(exc)
        return error_response(challenged(exc, scheme, dpop).with_challenge(**challenge))

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        match = request.match_info
        route = match.handler
        if match.http_exception is not None or getattr(route, _PUBLIC, False):
            return await handler(request)
        scheme = "bearer"
        try:
            scheme, token = presented_token(request, max_chars=MAX_TOKEN_CHARS, schemes=schemes)
            # A token seen before never waits; a new one waits for the end of this turn of the
            # loop, where the signatures that arrived in it are verified together.
            access = validator.check(token)
            if access is None:
                access = await validator.verify(token)
            # A Bearer token without `cnf` where Bearer is allowed needs no DPoP step: the
            # common case skips the call (RFC 9449 §7.2 is in `check_binding`).
            if scheme != "bearer" or bearer_refused or "cnf" in access.claims:
                check_binding(dpop, request, scheme, token, access)
        except BearerError as exc:
            return refuse(exc, scheme)
        except OAuthError as exc:
            return error_response(exc)
        request[ACCESS_TOKEN] = access
        request[CLIENT_ID] = access.client_id  # for the access log: an id, never the token
        scoped: _Scoped | None = getattr(route, _SCOPED, None)
        if scoped is not None and handler is route and scoped.guarded is route:
            # The route's own `require_scope` check, done here rather than one coroutine down:
            # only when this middleware is the last before that very handler.
            if not scoped.needed <= access.scope:
                return refuse(InsufficientScope(scoped.described), scheme)
            handler = scoped.handler
        try:
            return await handler(request)
        except BearerError as exc:
            return refuse(exc, scheme)

    return authenticate


def require_scope(*scopes: str) -> Callable[[H], H]:
    """A route decorator: the token must hold every one of these scopes, else 403."""
    needed = frozenset(scopes)
    described = " ".join(scopes)

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                scope = request[ACCESS_TOKEN].scope
            except KeyError:
                raise RuntimeError("this route is not behind the bearer_auth middleware") from None
            if not needed <= scope:
                raise InsufficientScope(described)  # RFC 6750 §3.1
            return await handler(request)

        setattr(guarded, _SCOPED, _Scoped(guarded, needed, described, handler))
        return guarded  # type: ignore[return-value]

    return decorate
