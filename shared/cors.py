"""Cross-origin requests (the Fetch standard's CORS protocol) for the endpoints a browser-based
client may call: preflights answered, the allowed origin named on every answer, errors
included, and never credentials (cookies stay with the pages, which get no CORS at all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shared.http import error_middleware

ANY = "*"
PREFLIGHT_MAX_AGE = 600


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """Which origins may call, with which request headers, seeing which response headers."""

    origins: tuple[str, ...] = (ANY,)
    allow_headers: tuple[str, ...] = ("Authorization", "Content-Type", "DPoP")
    expose_headers: tuple[str, ...] = ("WWW-Authenticate", "Retry-After", "DPoP-Nonce")

    def allowed_origin(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for this Origin, None when not allowed."""
        if self.origins == (ANY,):
            return ANY
        return origin if origin in self.origins else None


def _preflight(request: web.Request, allowed: str, policy: CorsPolicy) -> web.Response:
    """204 naming the methods the route serves and the headers a client may send."""
    exception = request.match_info.http_exception
    methods = getattr(exception, "allowed_methods", None) or {request.method}
    headers = {
        "Access-Control-Allow-Origin": allowed,
        "Access-Control-Allow-Methods": ", ".join(sorted(methods)),
        "Access-Control-Allow-Headers": ", ".join(policy.allow_headers),
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
    }
    if allowed != ANY:
        headers["Vary"] = "Origin"
    return web.Response(status=204, headers=headers)


def cors_middleware(policy: CorsPolicy, applies: Callable[[web.Request], bool]) -> Middleware:
    """A middleware giving CORS to the requests `applies` selects (by path: a preflight's
    route is not matched, since no route serves OPTIONS). Put it outside the error renderer,
    so that error answers carry the headers too."""

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None or not applies(request):
            return await handler(request)
        allowed = policy.allowed_origin(origin)
        preflight = (
            request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        )
        if preflight and allowed is not None:
            return _preflight(request, allowed, policy)
        response = await handler(request)
        if allowed is not None:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = ", ".join(policy.expose_headers)
            if allowed != ANY:
                response.headers.add("Vary", "Origin")
        return response

    return cors


def enable_cors(
    app: web.Application, policy: CorsPolicy, applies: Callable[[web.Request], bool]
) -> None:
    """Install the CORS middleware just outside the error renderer."""
    app.middlewares.insert(
        app.middlewares.index(error_middleware), cors_middleware(policy, applies)
    )


def everywhere(request: web.Request) -> bool:
    """Select every request."""
    return True


def on_paths(paths: frozenset[str]) -> Callable[[web.Request], bool]:
    """Select requests to exactly these paths."""
    return lambda request: request.path in paths
