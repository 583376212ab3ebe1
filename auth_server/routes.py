"""Every route of the authorization server, on one screen."""

from __future__ import annotations

from aiohttp import web

from auth_server import openapi
from auth_server.appkeys import METRICS, SETTINGS
from auth_server.endpoints import (
    authorize,
    client_configuration,
    device,
    device_authorization,
    end_session,
    health,
    introspection,
    jwks,
    metadata,
    openid_configuration,
    registration,
    revocation,
    revocation_feed,
    token,
    userinfo,
)
from auth_server.oidc.discovery import END_SESSION_PATH, OPENID_CONFIGURATION_PATH, USERINFO_PATH
from shared.cors import CorsPolicy, enable_cors, on_paths
from shared.metrics import metrics_handler, route_metrics

# SPEC "CORS": what a browser-based client may call from another origin. The userinfo and
# device-authorization endpoints join this tuple when they land; the authorization endpoint
# and the pages never do.
CORS_PATHS = (
    metadata.PATH,
    metadata.JWKS_PATH,
    metadata.TOKEN_PATH,
    metadata.REVOCATION_PATH,
    metadata.REGISTRATION_PATH,
)


def add_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    enable_cors(app, CorsPolicy(settings.cors_origins), on_paths(frozenset(CORS_PATHS)))
    app.router.add_get(metadata.PATH, metadata.metadata)
    app.router.add_get(metadata.JWKS_PATH, jwks.jwks)
    app.router.add_post(metadata.TOKEN_PATH, token.token)
    app.router.add_get(metadata.AUTHORIZE_PATH, authorize.authorize)
    app.router.add_post(metadata.AUTHORIZE_PATH, authorize.authorize)
    app.router.add_post(metadata.REVOCATION_PATH, revocation.revoke)
    app.router.add_post(metadata.INTROSPECTION_PATH, introspection.introspect)
    app.router.add_get(metadata.REVOCATION_FEED_PATH, revocation_feed.revocations)
    app.router.add_post(
        metadata.DEVICE_AUTHORIZATION_PATH, device_authorization.device_authorization
    )
    app.router.add_get(metadata.VERIFICATION_PATH, device.device)
    app.router.add_post(metadata.VERIFICATION_PATH, device.device)
    app.router.add_get(OPENID_CONFIGURATION_PATH, openid_configuration.openid_configuration)
    app.router.add_get(USERINFO_PATH, userinfo.userinfo)
    app.router.add_post(USERINFO_PATH, userinfo.userinfo)
    app.router.add_get(END_SESSION_PATH, end_session.end_session)
    app.router.add_post(END_SESSION_PATH, end_session.end_session)
    if app[SETTINGS].registration_mode != "closed":
        configuration = metadata.REGISTRATION_PATH + "/{client_id}"
        app.router.add_post(metadata.REGISTRATION_PATH, registration.register)
        app.router.add_get(configuration, client_configuration.read_configuration)
        app.router.add_put(configuration, client_configuration.update_configuration)
        app.router.add_delete(configuration, client_configuration.delete_configuration)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    route_metrics(app, metrics_handler(app[METRICS]), app[SETTINGS].metrics_listen)
    app.router.add_get(openapi.PATH, openapi.openapi_handler(app[SETTINGS]))
