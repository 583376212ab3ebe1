"""One call protects an aiohttp application with the trusted issuer's access tokens and serves
its RFC 9728 metadata."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from resource_server.appkeys import HTTP_CLIENT, METRICS, REVOCATION, VALIDATOR
from resource_server.dpop import DpopPolicy
from resource_server.endpoints.metadata import metadata_handler
from resource_server.jwks import JwksCache
from resource_server.middleware import bearer_auth
from resource_server.revocation import RevocationPoller, RevokedJtis
from resource_server.settings import Settings
from resource_server.validation import Policy, TokenValidator
from shared.background import in_background
from shared.config import check_url
from shared.errors import BearerError
from shared.metrics import Metrics

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
USER_AGENT = "resource-server"

log = logging.getLogger(__name__)


def protect(app: web.Application, settings: Settings, *, resource: str) -> TokenValidator:
    """Add the bearer middleware, the HTTP client, the key refresh and the RFC 9728 metadata
    of `resource` (the app's own URL, the audience its tokens must name) to `app`; with
    `METRICS` set, count refusals by reason and JWKS fetches by outcome."""
    settings = dataclasses.replace(settings, identifier=check_url("resource", resource))
    app.router.add_get(settings.metadata_path, metadata_handler(settings))
    on_refusal, on_fetch = _counters(app.get(METRICS))
    keys = JwksCache(
        issuer=settings.issuer,
        jwks_uri=settings.jwks_uri,
        back_channel=settings.back_channel,
        algorithms=settings.algorithms,
        cooldown=settings.jwks_cooldown,
        on_fetch=on_fetch,
    )
    policy = Policy(
        issuer=settings.issuer,
        audience=settings.identifier,
        algorithms=frozenset(settings.algorithms),
        leeway=settings.leeway,
    )
    revoked = RevokedJtis()
    validator = TokenValidator(policy, keys, revoked=revoked, voided=revoked.subjects)
    app[VALIDATOR] = validator
    app.middlewares.append(
        bearer_auth(
            validator,
            realm=settings.identifier,
            resource_metadata=settings.metadata_url,
            on_refusal=on_refusal,
            dpop=DpopPolicy.for_identifier(settings.identifier, settings.dpop, settings.leeway),
        )
    )
    app.cleanup_ctx.append(http_client)
    app.cleanup_ctx.append(key_refresh)
    _read_the_feed(app, settings, revoked)
    return validator


def _read_the_feed(app: web.Application, settings: Settings, revoked: RevokedJtis) -> None:
    """Poll the issuer's revocation feed, or say at start-up that revocations do not reach
    this server."""
    if settings.revocation_poll_interval:
        app[REVOCATION] = _poller(settings, revoked)
        app.cleanup_ctx.append(revocation_polling)
        return
    log.warning(
        "the issuer's revocation feed is not read (set RESOURCE_CLIENT_ID and"
        " RESOURCE_CLIENT_SECRET): a revoked token is accepted here until it expires"
    )


def _counters(
    metrics: Metrics | None,
) -> tuple[Callable[[BearerError], None] | None, Callable[[bool], None] | None]:
    """Callbacks that count refused tokens (by error and its fixed description) and fetches."""
    if metrics is None:
        return None, None
    refused = metrics.counter(
        "resource_token_validation_failures_total",
        "Requests refused by the bearer check, by error code and reason.",
        ["error", "reason"],
    )
    fetched = metrics.counter(
        "resource_jwks_fetches_total", "Fetches of the issuer's JWKS, by outcome.", ["outcome"]
    )

    def on_refusal(exc: BearerError) -> None:
        refused.labels(exc.error, exc.description or exc.error).inc()

    def on_fetch(ok: bool) -> None:
        fetched.labels("ok" if ok else "failed").inc()

    return on_refusal, on_fetch


def _poller(settings: Settings, revoked: RevokedJtis) -> RevocationPoller:
    if settings.client_id is None or settings.client_secret is None:
        raise ValueError("polling the revocation feed needs client_id and client_secret")
    return RevocationPoller(
        issuer=settings.issuer,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        interval=settings.revocation_poll_interval,
        leeway=settings.leeway,
        revoked=revoked,
        back_channel=settings.back_channel,
    )


async def http_client(app: web.Application) -> AsyncIterator[None]:
    """The one HTTP client session the server talks to its issuer with."""
    async with aiohttp.ClientSession(
        timeout=HTTP_TIMEOUT, headers={"User-Agent": USER_AGENT}
    ) as session:
        app[HTTP_CLIENT] = session
        yield


async def revocation_polling(app: web.Application) -> AsyncIterator[None]:
    """The background task that reads the issuer's revocation feed every interval."""
    async with in_background(app[REVOCATION].run(app[HTTP_CLIENT])):
        yield


async def key_refresh(app: web.Application) -> AsyncIterator[None]:
    """The background task that fetches the issuer's keys, then keeps them fresh."""
    keys = app[VALIDATOR].keys
    async with in_background(keys.run(app[HTTP_CLIENT])):
        yield
    await keys.close()
