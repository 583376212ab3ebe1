"""Prometheus metrics: request counts and latency per route and status, the database pool, and
whatever counters a service adds. With several worker processes, prometheus-client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `serve --workers`) sums them at scrape."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from shared.background import in_background
from shared.db import Database
from shared.logging import route_of
from shared.row_cache import RowCache

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
POOL_SAMPLE_SECONDS = 5.0


class Metrics:
    """One registry per application, so that several apps in one process (tests) never clash."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by route pattern, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to response, by route pattern and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.pool = Gauge(
            "db_pool_connections",
            "Database connections held by the pool, by state (idle or in_use).",
            ["state"],
            multiprocess_mode="livesum",
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            "cache_lookups_total",
            "Lookups in the in-memory caches of database rows, by cache and result.",
            ["cache", "result"],
            registry=self.registry,
        )
        # labels() takes a lock and hashes its arguments: keep each child once.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._caches: dict[str, tuple[Callable[[], RowCache[Any] | None], list[int]]] = {}

    def counter(self, name: str, documentation: str, labels: Sequence[str]) -> Counter:
        """A service's own counter, in this registry."""
        return Counter(name, documentation, list(labels), registry=self.registry)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def watch_cache(self, name: str, cache: Callable[[], RowCache[Any] | None]) -> None:
        """Count `cache`'s hits and misses; they are added up when sampled (`count_caches`),
        not on every lookup, which stays two integer additions."""
        self._caches[name] = (cache, [0, 0])

    def count_caches(self) -> None:
        """Add the lookups made since the last call to `cache_lookups_total`."""
        for name, (source, counted) in self._caches.items():
            cache = source()
            if cache is None:
                continue
            for index, (result, now) in enumerate((("hit", cache.hits), ("miss", cache.misses))):
                if now < counted[index]:  # another cache object: count it from zero
                    counted[index] = 0
                if now > counted[index]:
                    self.cache_lookups.labels(name, result).inc(now - counted[index])
                    counted[index] = now

    def render(self) -> bytes:
        """The text exposition: this process's registry, or every worker's when multiprocess."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_middleware(metrics: Metrics) -> Middleware:
    """Time and count every request by its route pattern (bounded label values)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.observe(
                route_of(request), request.method, status, time.perf_counter() - started
            )

    return middleware


def metrics_handler(metrics: Metrics) -> Handler:
    """`GET /metrics` in the Prometheus text format."""

    async def handler(request: web.Request) -> web.StreamResponse:
        metrics.count_caches()
        body = await asyncio.get_running_loop().run_in_executor(None, metrics.render)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return handler


async def sample_pool(metrics: Metrics, database: Database) -> None:
    """Record the pool's idle and busy connections, and the caches' lookups, every few
    seconds (with several workers, a scrape reads what every worker recorded last)."""
    while True:
        size, idle = database.pool_stats()
        metrics.pool.labels("in_use").set(size - idle)
        metrics.pool.labels("idle").set(idle)
        metrics.count_caches()
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


@contextlib.asynccontextmanager
async def pool_sampler(metrics: Metrics, database: Database) -> AsyncIterator[None]:
    """Run `sample_pool` for the lifetime of the block."""
    async with in_background(sample_pool(metrics, database)):
        yield


@dataclass(frozen=True, slots=True)
class MetricsSite:
    """`/metrics` on a listen address of its own (`*_METRICS_LISTEN`), e.g. loopback only."""

    host: str
    port: int
    app: web.Application


METRICS_SITE = web.AppKey("metrics_site", MetricsSite)


def route_metrics(app: web.Application, handler: Handler, listen: tuple[str, int] | None) -> None:
    """`/metrics` on the public port; with `listen`, on that address instead, and only there."""
    if listen is None:
        app.router.add_get("/metrics", handler)
        return
    own = web.Application()
    own.router.add_get("/metrics", handler)
    app[METRICS_SITE] = MetricsSite(listen[0], listen[1], own)


def workers_metrics_dir() -> tuple[str, bool]:
    """Where the workers' metrics live: the operator's PROMETHEUS_MULTIPROC_DIR, emptied of a
    previous run, or a fresh private directory (removed at exit)."""
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        os.makedirs(configured, exist_ok=True)
        for name in os.listdir(configured):
            if name.endswith(".db"):
                os.remove(os.path.join(configured, name))
        return configured, False
    made = tempfile.mkdtemp(prefix="metrics-")
    # Set before the workers start: prometheus-client picks its mode when first imported.
    os.environ[MULTIPROC_ENV] = made
    return made, True


def mark_worker_dead(pid: int) -> None:
    """Drop a dead worker's live gauges from the shared metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
