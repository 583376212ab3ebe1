"""The application factory: one function for `serve`, tests and any other runner."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from resource_server.account import Accounts
from resource_server.appkeys import ACCOUNTS, DATABASE, METADATA, METRICS, SETTINGS
from resource_server.endpoints.metadata import build_metadata, render
from resource_server.protection import protect
from resource_server.routes import add_routes
from resource_server.schema import COMPONENT, MIGRATIONS
from resource_server.settings import Settings
from shared.db import migrate, open_database
from shared.http import error_middleware
from shared.metrics import Metrics, metrics_middleware, pool_sampler
from shared.request_context import request_id_middleware
from shared.serve import LIFECYCLE, Lifecycle

# PUT /account applies its own 16 KiB limit; this only bounds anything else.
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> web.Application:
    """The resource server; the database opens and the keys load when the app starts."""
    settings = settings or Settings.from_env()
    metrics = Metrics()
    app = web.Application(
        middlewares=[request_id_middleware, metrics_middleware(metrics), error_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[LIFECYCLE] = Lifecycle()
    app[METADATA] = render(build_metadata(settings))
    app.cleanup_ctx.append(storage)
    protect(app, settings)
    add_routes(app, settings)
    return app


async def storage(app: web.Application) -> AsyncIterator[None]:
    """Open and migrate the database, sample its pool for metrics, cache accounts unless
    RESOURCE_ACCOUNT_CACHE is off; close it on exit."""
    database = await open_database(app[SETTINGS].database_url)
    try:
        await migrate(database, COMPONENT, MIGRATIONS)
        app[DATABASE] = database
        app[ACCOUNTS] = accounts = Accounts(database)
        app[METRICS].watch_cache("accounts", lambda: accounts.cache)
        caching = accounts.caching() if app[SETTINGS].account_cache else contextlib.nullcontext()
        async with pool_sampler(app[METRICS], database), caching:
            yield
    finally:
        await database.close()
