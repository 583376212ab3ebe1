"""The auth server as gunicorn loads it (row k): `gunicorn devtools.bench.gunicorn_app:app
--worker-class aiohttp.GunicornUVLoopWebWorker --workers N`, with the settings of the
environment and BENCH_WORKERS telling the app how many workers sign (as `serve --workers` does)."""

from __future__ import annotations

import os
from dataclasses import replace

from aiohttp import web

from auth_server import Settings, create_app


async def app() -> web.Application:
    """The app of one gunicorn worker."""
    settings = replace(Settings.from_env(), workers=int(os.environ.get("BENCH_WORKERS", "1")))
    return create_app(settings)
