"""Every route of the authorization server, on one screen."""

from __future__ import annotations

from aiohttp import web

from auth_server import openapi
from auth_server.appkeys import METRICS, SETTINGS
from auth_server.endpoints import (
    authorize,
    client_configuration,
    health,
    introspection,
    jwks,
    metadata,
    registration,
    revocation,
    revocation_feed,
    token,
)
from shared.metrics import metrics_handler, route_metrics


def add_routes(app: web.Application) -> None:
    app.router.add_get(metadata.PATH, metadata.metadata)
    app.router.add_get(metadata.JWKS_PATH, jwks.jwks)
    app.router.add_post(metadata.TOKEN_PATH, token.token)
    app.router.add_get(metadata.AUTHORIZE_PATH, authorize.authorize)
    app.router.add_post(metadata.AUTHORIZE_PATH, authorize.authorize)
    app.router.add_post(metadata.REVOCATION_PATH, revocation.revoke)
    app.router.add_post(metadata.INTROSPECTION_PATH, introspection.introspect)
    app.router.add_get(metadata.REVOCATION_FEED_PATH, revocation_feed.revocations)
    if app[SETTINGS].registration_token is not None:  # unset: registration is closed
        configuration = metadata.REGISTRATION_PATH + "/{client_id}"
        app.router.add_post(metadata.REGISTRATION_PATH, registration.register)
        app.router.add_get(configuration, client_configuration.read_configuration)
        app.router.add_put(configuration, client_configuration.update_configuration)
        app.router.add_delete(configuration, client_configuration.delete_configuration)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    route_metrics(app, metrics_handler(app[METRICS]), app[SETTINGS].metrics_listen)
    app.router.add_get(openapi.PATH, openapi.openapi_handler(app[SETTINGS]))
