"""Logging set-up (text for people, JSON for machines) and an access log of one line per
request that never records query strings, headers or bodies."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from shared.request_context import CLIENT_ID, REQUEST_ID, current_request_id

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("json", "text")
ACCESS_LOGGER = "access"

# Attributes every LogRecord has; anything else was passed through `extra=` on purpose.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value...`, UTC."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD]
        return f"{line} {' '.join(extras)}" if extras else line


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """One line per record on stderr, in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's own server logger would print raw request lines on protocol errors.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    # aiosqlite logs every statement with its parameters at debug level: digests, keys.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.getLogger("asyncio").setLevel(logging.WARNING)
    # The audit trail is kept whatever the verbosity (shared/audit.py).
    logging.getLogger("audit").setLevel(logging.INFO)


class AccessLogger(AbstractAccessLogger):
    """One record per request: method, route pattern (never the query string, which may hold
    a secret), status, latency, client id and request id."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        self.logger.info(
            "%s %s %s",
            request.method,
            route_of(request),
            response.status,
            extra={
                "method": request.method,
                "route": route_of(request),
                "status": response.status,
                "latency_ms": round(time * 1000, 2),
                "client_id": request.get(CLIENT_ID),
                "request_id": request.get(REQUEST_ID),
            },
        )


def route_of(request: web.BaseRequest) -> str:
    """The matched route's pattern (`/register/{client_id}`), or `unmatched`: bounded, and free
    of anything the caller put in the path."""
    match_info = getattr(request, "match_info", None)
    route = getattr(match_info, "route", None)
    resource = getattr(route, "resource", None)
    return resource.canonical if resource is not None else "unmatched"
