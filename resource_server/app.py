"""The application factory: one function for `serve`, tests and any other runner."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from resource_server.account import Accounts
from resource_server.appkeys import ACCOUNTS, DATABASE, METRICS, SETTINGS
from resource_server.protection import protect
from resource_server.routes import add_routes
from resource_server.schema import COMPONENT, MIGRATIONS
from resource_server.settings import Settings
from shared.db import migrate, open_database
from shared.service import pool_metrics, service_app

# PUT /account applies its own 16 KiB limit; this only bounds anything else.
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> web.Application:
    """The resource server; the database opens and the keys load when the app starts."""
    settings = settings or Settings.from_env()
    app = service_app(METRICS, MAX_BODY_BYTES, settings.trusted_proxies)
    app[SETTINGS] = settings
    # One cleanup context per resource, opened in this order and closed in reverse.
    app.cleanup_ctx.extend([database, account_cache, pool_metrics(METRICS, DATABASE)])
    protect(app, settings, resource=settings.identifier)
    add_routes(app, settings)
    return app


async def database(app: web.Application) -> AsyncIterator[None]:
    """Open and migrate the database and put the accounts over it; close it on exit."""
    database = await open_database(app[SETTINGS].database_url)
    try:
        await migrate(database, COMPONENT, MIGRATIONS)
        app[DATABASE] = database
        app[ACCOUNTS] = Accounts(database)
        yield
    finally:
        await database.close()


async def account_cache(app: web.Application) -> AsyncIterator[None]:
    """Accounts kept in memory while the database tells of their changes, unless
    RESOURCE_ACCOUNT_CACHE is off."""
    accounts = app[ACCOUNTS]
    app[METRICS].watch_cache("accounts", lambda: accounts.cache)
    caching = accounts.caching() if app[SETTINGS].account_cache else contextlib.nullcontext()
    async with caching:
        yield
