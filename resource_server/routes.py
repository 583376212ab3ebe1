"""Every route of the resource server, on one screen."""

from __future__ import annotations

from aiohttp import web

from resource_server import openapi
from resource_server.appkeys import METRICS
from resource_server.endpoints import account, health
from resource_server.middleware import public
from resource_server.settings import Settings
from shared.metrics import metrics_handler


def add_routes(app: web.Application, settings: Settings) -> None:
    app.router.add_get("/account", account.get_account)
    app.router.add_put("/account", account.put_account)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", public(metrics_handler(app[METRICS])))
    app.router.add_get(openapi.PATH, public(openapi.openapi_handler(settings)))
