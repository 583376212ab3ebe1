"""Every route of the resource server, on one screen."""

from __future__ import annotations

from aiohttp import web

from resource_server import openapi
from resource_server.appkeys import METRICS
from resource_server.endpoints import account, health
from resource_server.middleware import public
from resource_server.settings import Settings
from shared.cors import CorsPolicy, enable_cors, everywhere
from shared.metrics import metrics_handler, route_metrics


def add_routes(app: web.Application, settings: Settings) -> None:
    # SPEC "CORS": the metadata and every protected route, to browsers that send the token in
    # Authorization (or DPoP) and need to read the WWW-Authenticate challenge.
    enable_cors(app, CorsPolicy(settings.cors_origins), everywhere)
    app.router.add_get("/account", account.get_account)
    app.router.add_put("/account", account.put_account)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    route_metrics(app, public(metrics_handler(app[METRICS])), settings.metrics_listen)
    app.router.add_get(openapi.PATH, public(openapi.openapi_handler(settings)))
