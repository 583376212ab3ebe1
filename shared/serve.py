"""Running an aiohttp application until SIGTERM or SIGINT, then stopping gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from shared.logging import AccessLogger

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30.0
# Large enough for any sane header; each service applies its own, smaller, token cap.
MAX_FIELD_SIZE = 64 * 1024


def fail(message: str, status: int = 1) -> int:
    """Print one `error: ...` line on stderr; return the exit status to use."""
    print(f"error: {message}", file=sys.stderr)
    return status


async def serve(app: web.Application, host: str, port: int, *, name: str) -> None:
    """Start the app, listen, and on a stop signal: stop accepting, finish in-flight requests,
    run the app's cleanup (closing pools), return."""
    runner = web.AppRunner(
        app,
        access_log_class=AccessLogger,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        max_field_size=MAX_FIELD_SIZE,
        max_line_size=MAX_FIELD_SIZE,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("%s listening on http://%s:%d", name, host, port)
        await stop.wait()
        log.info("%s stopping: finishing in-flight requests", name)
    finally:
        await runner.cleanup()
    log.info("%s stopped", name)
