"""The application factory: one function for `serve`, tests and any other runner."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from auth_server.appkeys import (
    CLIENTS,
    DATABASE,
    GRANTS,
    KEYRING,
    METADATA,
    SERVER_SECRETS,
    SETTINGS,
)
from auth_server.bootstrap import open_storage
from auth_server.endpoints.metadata import build_metadata, render
from auth_server.grants import Grant
from auth_server.grants.client_credentials import ClientCredentialsGrant
from auth_server.keys import KeyRing
from auth_server.routes import add_routes
from auth_server.settings import Settings
from auth_server.tokens import AccessTokenIssuer
from shared.http import error_middleware

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> web.Application:
    """The authorization server; storage opens when the app starts."""
    settings = settings or Settings.from_env()
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[KEYRING] = KeyRing()
    app.cleanup_ctx.append(storage)
    add_routes(app)
    return app


async def storage(app: web.Application) -> AsyncIterator[None]:
    """Open and migrate the database, load the keys, install the grants; close on exit."""
    settings = app[SETTINGS]
    opened = await open_storage(settings)
    try:
        await opened.keys.ensure_current()
        await app[KEYRING].load(opened.keys)
        app[DATABASE] = opened.database
        app[SERVER_SECRETS] = opened.server_secrets
        app[CLIENTS] = opened.clients
        tokens = AccessTokenIssuer(settings.issuer, settings.access_token_ttl, app[KEYRING])
        grants: list[Grant] = [ClientCredentialsGrant(tokens, settings.default_audience)]
        app[GRANTS] = {grant.grant_type: grant for grant in grants}
        app[METADATA] = render(build_metadata(settings, [g.grant_type for g in grants]))
        yield
    finally:
        await opened.database.close()
