"""Every route of the authorization server, on one screen."""

from __future__ import annotations

from aiohttp import web

from auth_server.endpoints import authorize, health, jwks, metadata, token


def add_routes(app: web.Application) -> None:
    app.router.add_get(metadata.PATH, metadata.metadata)
    app.router.add_get(metadata.JWKS_PATH, jwks.jwks)
    app.router.add_post(metadata.TOKEN_PATH, token.token)
    app.router.add_get(metadata.AUTHORIZE_PATH, authorize.authorize)
    app.router.add_post(metadata.AUTHORIZE_PATH, authorize.authorize)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
