"""What every service's application starts with: the trusted proxies' view of the client, the
request-id, metrics and error-rendering middlewares, a body limit, readiness, and the database
pool's metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from shared.db import Database
from shared.http import error_middleware
from shared.metrics import Metrics, metrics_middleware, pool_sampler
from shared.proxies import TrustedProxies, forwarded_middleware
from shared.request_context import request_id_middleware
from shared.serve import LIFECYCLE, Lifecycle

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def service_app(
    metrics_key: web.AppKey[Metrics],
    max_body_bytes: int,
    trusted_proxies: TrustedProxies | None = None,
) -> web.Application:
    """A new application with the middlewares every service runs, in their order (the
    trusted proxies' view of the client first, so that everything after sees it), its
    metrics under `metrics_key`, and readiness."""
    metrics = Metrics()
    middlewares = [request_id_middleware, metrics_middleware(metrics), error_middleware]
    if trusted_proxies:
        middlewares.insert(0, forwarded_middleware(trusted_proxies))
    app = web.Application(middlewares=middlewares, client_max_size=max_body_bytes)
    app[metrics_key] = metrics
    app[LIFECYCLE] = Lifecycle()
    return app


def pool_metrics(metrics: web.AppKey[Metrics], database: web.AppKey[Database]) -> CleanupContext:
    """A cleanup context that samples the database pool into the metrics while the app runs."""

    async def sample(app: web.Application) -> AsyncIterator[None]:
        async with pool_sampler(app[metrics], app[database]):
            yield

    return sample
