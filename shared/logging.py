"""Logging set-up and an access log that never records query strings or headers."""

from __future__ import annotations

import logging
import sys
import time

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

LEVELS = ("debug", "info", "warning", "error")


def configure_logging(level: str = "info") -> None:
    """One line per record on stderr, UTC timestamps."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's own server logger would print raw request lines on protocol errors.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    # aiosqlite logs every statement with its parameters at debug level: digests, keys.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


class AccessLogger(AbstractAccessLogger):
    """`METHOD /path STATUS 1.2ms`: the path only, since a query string may hold a secret."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, time * 1000
        )
