"""The application factory: one function for `serve`, tests and any other runner."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from auth_server.appkeys import (
    AUTHORIZATION_FLOW,
    CLIENT_THROTTLE,
    CLIENTS,
    DATABASE,
    GRANTS,
    KEYRING,
    METADATA,
    METRICS,
    REFRESH_TOKENS,
    REGISTRATIONS,
    REVOKED,
    SERVER_SECRETS,
    SETTINGS,
    STORAGE,
    TOKEN_LOOKUP,
    TOKENS_ISSUED,
    USERS,
)
from auth_server.clients.cache import client_caching
from auth_server.clients.throttle import ClientAuthThrottle
from auth_server.endpoints.metadata import build_metadata, render
from auth_server.grants import Grant
from auth_server.grants.authorization_code import AuthorizationCodeGrant
from auth_server.grants.client_credentials import ClientCredentialsGrant
from auth_server.grants.refresh_token import RefreshTokenGrant
from auth_server.pruning import prune_forever
from auth_server.routes import add_routes
from auth_server.settings import Settings
from auth_server.signin.flow import AuthorizationFlow
from auth_server.signin.pages import Csrf
from auth_server.signing.keyring import KeyRing
from auth_server.signing.rotation import KeyMaintenance
from auth_server.signing.schedule import RotationPolicy
from auth_server.signing.store import KeyRepository
from auth_server.storage import Storage, open_storage
from auth_server.tokens.issuer import AccessTokenIssuer, signing_threads
from auth_server.tokens.lookup import TokenLookup
from shared.background import in_background
from shared.cpus import usable_cpus
from shared.service import pool_metrics, service_app

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> web.Application:
    """The authorization server; storage opens when the app starts."""
    settings = settings or Settings.from_env()
    app, metrics = service_app(MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[TOKENS_ISSUED] = metrics.counter(
        "oauth_tokens_issued_total", "Access tokens issued, by grant type.", ["grant_type"]
    )
    app[CLIENT_THROTTLE] = ClientAuthThrottle()
    app[KEYRING] = KeyRing()
    # One cleanup context per resource, opened in this order and closed in reverse.
    app.cleanup_ctx.extend(
        [
            database,
            signing_keys,
            client_cache,
            pool_metrics(METRICS, DATABASE),
            pruning,
            key_maintenance,
        ]
    )
    add_routes(app)
    return app


async def database(app: web.Application) -> AsyncIterator[None]:
    """Open and migrate the database, check the server secrets, and put the repositories
    and the sign-in flow over it; close it on exit."""
    settings = app[SETTINGS]
    opened = await open_storage(settings)
    try:
        app[STORAGE] = opened
        app[DATABASE] = opened.database
        app[SERVER_SECRETS] = opened.server_secrets
        app[CLIENTS] = opened.clients
        app[USERS] = opened.users
        app[REFRESH_TOKENS] = opened.refresh_tokens
        app[REVOKED] = opened.revoked
        app[REGISTRATIONS] = opened.registrations
        app[AUTHORIZATION_FLOW] = AuthorizationFlow(
            issuer=settings.issuer,
            secure_cookies=settings.secure_cookies,
            users=opened.users,
            sessions=opened.sessions,
            consents=opened.consents,
            codes=opened.codes,
            throttle=opened.throttle,
            csrf=Csrf(opened.server_secrets, secure=settings.secure_cookies),
        )
        yield
    finally:
        await opened.database.close()


async def signing_keys(app: web.Application) -> AsyncIterator[None]:
    """Make sure a key signs now and load the key ring; install what signs with it (the
    grants) and what reads its tokens back (introspection's lookup)."""
    settings, storage = app[SETTINGS], app[STORAGE]
    await storage.keys.ensure_current(settings.signing_alg)
    await app[KEYRING].load(storage.keys)
    threads = signing_threads(settings.workers, usable_cpus())
    tokens = AccessTokenIssuer(settings.issuer, settings.access_token_ttl, app[KEYRING], threads)
    try:
        app[TOKEN_LOOKUP] = TokenLookup(
            settings.issuer, app[KEYRING], storage.refresh_tokens, storage.revoked, storage.clients
        )
        grants = install_grants(settings, storage, tokens)
        app[GRANTS] = {grant.grant_type: grant for grant in grants}
        app[METADATA] = render(build_metadata(settings, [g.grant_type for g in grants]))
        yield
    finally:
        tokens.close()


async def client_cache(app: web.Application) -> AsyncIterator[None]:
    """Clients kept in memory while the database tells of their changes."""
    clients = app[CLIENTS]
    app[METRICS].watch_cache("clients", lambda: clients.cache)
    async with client_caching(app[DATABASE], clients):
        yield


async def pruning(app: web.Application) -> AsyncIterator[None]:
    """The background task that deletes expired rows."""
    async with in_background(prune_forever(app[DATABASE])):
        yield


async def key_maintenance(app: web.Application) -> AsyncIterator[None]:
    """The background task that reloads the key ring and makes scheduled key changes."""
    repository = KeyRepository(app[DATABASE], app[SERVER_SECRETS])
    policy = RotationPolicy.from_settings(app[SETTINGS])
    async with in_background(KeyMaintenance(repository, app[KEYRING], policy).run()):
        yield


def install_grants(settings: Settings, storage: Storage, tokens: AccessTokenIssuer) -> list[Grant]:
    """Every grant type the token endpoint serves, in the order metadata lists them."""
    return [
        AuthorizationCodeGrant(
            storage.database,
            storage.codes,
            storage.refresh_tokens,
            storage.users,
            tokens,
            storage.revoked,
        ),
        RefreshTokenGrant(
            storage.database, storage.refresh_tokens, storage.users, tokens, storage.revoked
        ),
        ClientCredentialsGrant(tokens, settings.default_audience),
    ]
