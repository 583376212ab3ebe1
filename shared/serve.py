"""Running a service: one process, or N worker processes sharing the port (SO_REUSEPORT),
each stopping gracefully on SIGTERM: readiness false, stop accepting, finish in-flight
requests, close pools."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from aiohttp import web

from shared.errors import InvalidRequest, ServerError
from shared.failures import describe
from shared.http import error_response
from shared.logging import ACCESS_LOGGER, AccessLogger, configure_logging
from shared.metrics import METRICS_SITE, mark_worker_dead, workers_metrics_dir

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30.0
# Large enough for any sane header; each service applies its own, smaller, token cap.
MAX_FIELD_SIZE = 64 * 1024
# aiohttp closes a connection that has not completed a request within this many seconds of
# opening (or of its last response): the bound on a client that sends its headers slowly.
KEEPALIVE_TIMEOUT = 15.0
# A worker that dies this soon after it started is failing to start, not crashing.
START_GRACE_SECONDS = 10.0


@dataclass
class Lifecycle:
    """Whether the process is draining; `/readyz` answers 503 from the moment it is."""

    draining: bool = False


LIFECYCLE = web.AppKey("lifecycle", Lifecycle)


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How to run: where to listen, how many processes, how to log, how long to drain."""

    name: str
    host: str
    port: int
    workers: int = 1
    log_level: str = "info"
    log_format: str = "text"
    drain_seconds: float = 0.0


AppFactory = Callable[[Any], web.Application]


def fail(message: str, status: int = 1) -> int:
    """Print one `error: ...` line on stderr; return the exit status to use."""
    print(f"error: {message}", file=sys.stderr)
    return status


def run(factory: AppFactory, settings: Any, options: ServeOptions) -> int:
    """Serve `factory(settings)` until stopped; with several workers, supervise them."""
    if options.workers <= 1:
        _run_loop(_serve_with(factory(settings), options))
        return 0
    return _supervise(factory, settings, options)


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed (faster sockets and timers), else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


class ConnectionHandler(web.RequestHandler):
    """aiohttp's connection handler, except for requests it cannot parse (a header over the
    limit, a malformed request line): its plain-text answer echoes the offending bytes, which
    may be a token, and its log record holds them too. Ours is JSON, names nothing, logs the
    type. Only public aiohttp API: the class, its constructor and `handle_error`."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        log.info("refused an unparseable request: %s", type(exc).__name__ if exc else status)
        if request.writer.output_size > 0:
            raise ConnectionError("the response had started; closing the connection")
        if status >= 500:
            return error_response(ServerError("an unexpected error occurred"))
        response = error_response(InvalidRequest("the request is malformed or too large"))
        response.force_close()
        return response


class Listener:
    """A listening socket whose connections `ConnectionHandler` serves for a set-up
    `web.AppRunner` (through its public `server`). `close` stops accepting, then runs the
    runner's cleanup, which closes idle connections and waits for the in-flight ones."""

    def __init__(self, runner: web.AppRunner, options: dict[str, Any]) -> None:
        self._runner = runner
        # What aiohttp's Server hands each connection handler: the runner's own options.
        self._handler_options = {k: v for k, v in options.items() if k != "shutdown_timeout"}
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> int:
        """Listen on host:port (0: any free port); the port it listens on."""
        manager = self._runner.server
        if manager is None:
            raise RuntimeError("set the runner up before listening")
        loop = asyncio.get_running_loop()

        def connection() -> ConnectionHandler:
            return ConnectionHandler(manager, loop=loop, **self._handler_options)

        self._server = await loop.create_server(
            connection, host, port, reuse_address=True, reuse_port=reuse_port or None
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop accepting, finish the requests in flight, run the app's cleanup."""
        if self._server is not None:
            self._server.close()
        await self._runner.cleanup()


def runner_options(**overrides: Any) -> dict[str, Any]:
    """The AppRunner settings of every service: header limits, timeouts, the access log."""
    return {
        "access_log_class": AccessLogger,
        "access_log": logging.getLogger(ACCESS_LOGGER),
        "shutdown_timeout": SHUTDOWN_TIMEOUT,
        "keepalive_timeout": KEEPALIVE_TIMEOUT,
        "max_field_size": MAX_FIELD_SIZE,
        "max_line_size": MAX_FIELD_SIZE,
        **overrides,
    }


def _serve_with(app: web.Application, options: ServeOptions) -> Coroutine[Any, Any, None]:
    return serve(
        app,
        options.host,
        options.port,
        name=options.name,
        reuse_port=options.workers > 1,
        drain_seconds=options.drain_seconds,
    )


async def serve(
    app: web.Application,
    host: str,
    port: int,
    *,
    name: str,
    reuse_port: bool = False,
    drain_seconds: float = 0.0,
) -> None:
    """Start the app and listen; on a stop signal turn readiness off, wait the drain time,
    stop accepting, finish in-flight requests, run the app's cleanup, return."""
    lifecycle = app.get(LIFECYCLE)
    options = runner_options()
    runner = web.AppRunner(app, **options)
    listener = Listener(runner, options)
    metrics: Listener | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await runner.setup()
        await listener.start(host, port, reuse_port=reuse_port)
        log.info("%s listening on http://%s:%d", name, host, port)
        metrics = await start_metrics(app, reuse_port=reuse_port)
        await stop.wait()
        if lifecycle is not None:
            lifecycle.draining = True
        log.info("%s stopping: readiness off, finishing in-flight requests", name)
        await asyncio.sleep(drain_seconds)
    finally:
        if metrics is not None:
            await metrics.close()
        await listener.close()
    log.info("%s stopped", name)


async def start_metrics(app: web.Application, *, reuse_port: bool = False) -> Listener | None:
    """Listen on the app's own metrics address, if it has one; the caller closes it."""
    metrics = app.get(METRICS_SITE)
    if metrics is None:
        return None
    options = runner_options(access_log=None)
    runner = web.AppRunner(metrics.app, **options)
    await runner.setup()
    listener = Listener(runner, options)
    try:
        await listener.start(metrics.host, metrics.port, reuse_port=reuse_port)
    except BaseException:
        await runner.cleanup()
        raise
    log.info("metrics on http://%s:%d/metrics", metrics.host, metrics.port)
    return listener


def _worker(factory: AppFactory, settings: Any, options: ServeOptions, failures: Any) -> None:
    """One worker process: its own event loop, database pool and key cache. Why it could not
    start goes to the supervisor, which says it once for all workers."""
    configure_logging(options.log_level, options.log_format)
    try:
        _run_loop(_serve_with(factory(settings), options))
    except Exception as exc:
        failures.put(describe(exc, settings))
        sys.exit(2)


def _supervise(factory: AppFactory, settings: Any, options: ServeOptions) -> int:
    """Start the workers, restart one that crashes, forward SIGTERM/SIGINT to all of them."""
    metrics_dir, made_dir = workers_metrics_dir()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    failures = context.SimpleQueue()

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(
            target=_worker, args=(factory, settings, options, failures), daemon=False
        )
        process.start()
        return process, time.monotonic()

    workers = [start() for _ in range(options.workers)]
    log.info("%s: %d workers on port %d", options.name, options.workers, options.port)
    status = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for index, (process, started) in enumerate(workers):
                if process.is_alive() or stopping:
                    continue
                if process.pid is not None:
                    mark_worker_dead(process.pid)
                if time.monotonic() - started < START_GRACE_SECONDS:
                    reason = None if failures.empty() else failures.get()
                    stopping = True
                    status = fail(reason or f"a worker failed to start ({process.exitcode})", 2)
                    break
                log.warning(
                    "%s: worker %s exited (%s); restarting",
                    options.name,
                    process.pid,
                    process.exitcode,
                )
                workers[index] = start()
    finally:
        _stop_all([process for process, _ in workers])
        if made_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return status


def _stop_all(processes: list[BaseProcess]) -> None:
    """SIGTERM every worker and wait for each to finish its in-flight requests."""
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + SHUTDOWN_TIMEOUT + 5
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
