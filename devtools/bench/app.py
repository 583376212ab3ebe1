"""The bench's own application: the ceilings (hello-world, form POST) and a route guarded by
the resource server's middleware exactly as another aiohttp application would use it."""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from aiohttp import hdrs, web

from resource_server import Settings as ResourceSettings
from resource_server import TokenValidator, access_token, protect, public, require_scope
from shared.http import NO_STORE, json_response, read_form

VALIDATOR = web.AppKey("bench_validator", TokenValidator)


@dataclass(frozen=True, slots=True)
class BenchSettings:
    """Where the bench app listens and, when it guards `/protected`, whom it trusts."""

    host: str = "127.0.0.1"
    port: int = 8080
    issuer: str | None = None
    audience: str = "http://127.0.0.1:8001"
    jwks_uri: str | None = None
    log_level: str = "warning"


@public
async def hello(request: web.Request) -> web.Response:
    """GET /hello: the unprotected hello-world ceiling."""
    return web.Response(text="Hello, world")


@public
async def form(request: web.Request) -> web.Response:
    """POST /form: read a urlencoded form and answer JSON, as the token endpoint does."""
    fields = await read_form(request)
    return json_response({"fields": sorted(fields.keys())}, headers=NO_STORE)


@public
async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: 200 once the trusted issuer's keys are loaded (at once when none)."""
    validator = request.app.get(VALIDATOR)
    ready = validator is None or validator.keys.ready
    return web.Response(text="ready" if ready else "loading keys", status=200 if ready else 503)


@require_scope("read")
async def protected(request: web.Request) -> web.Response:
    """GET /protected: hello to the token's subject, for a token with scope `read`."""
    return web.Response(text=f"Hello, {access_token(request).subject}")


@public
async def naive(request: web.Request) -> web.Response:
    """GET /naive: issue 8's reference for (c), what many applications do: `jwt.decode` with
    the key the token's `kid` names, checking signature, `exp`, `iss` and `aud`, and nothing
    of what the middleware adds (`typ`, required claims, duplicate members, a cache)."""
    validator = request.app[VALIDATOR]
    token = request.headers.get(hdrs.AUTHORIZATION, "").removeprefix("Bearer ")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = validator.keys.get((str(kid), "RS256"))
        if key is None:
            raise jwt.InvalidTokenError("unknown kid")
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=validator.policy.audience,
            issuer=validator.policy.issuer,
        )
    except jwt.InvalidTokenError:
        return web.Response(text="invalid token", status=401)
    return web.Response(text=f"Hello, {claims['sub']}")


def create_app(settings: BenchSettings) -> web.Application:
    """The ceiling app, or with an issuer, the same plus the guarded `/protected` route: only
    what `protect` adds (the bearer middleware), as in any other application."""
    app = web.Application()
    if settings.issuer is not None:
        guard = ResourceSettings(
            identifier=settings.audience, issuer=settings.issuer, jwks_uri=settings.jwks_uri
        )
        app[VALIDATOR] = protect(app, guard, resource=settings.audience)
        app.router.add_get("/protected", protected)
        app.router.add_get("/naive", naive)
    app.router.add_get("/hello", hello)
    app.router.add_post("/form", form)
    app.router.add_get("/readyz", readyz)
    return app
