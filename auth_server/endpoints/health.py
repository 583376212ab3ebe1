"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from aiohttp import web

from auth_server.appkeys import DATABASE, ID_TOKEN_KEYS, KEYRING
from shared.db import StorageUnavailable
from shared.http import json_response
from shared.serve import LIFECYCLE

READY_TIMEOUT = 2.0


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: the process answers."""
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: the database answers and a signing key is loaded."""
    problems = []
    if request.app[LIFECYCLE].draining:
        problems.append("stopping")
    if not request.app[KEYRING].loaded or not request.app[ID_TOKEN_KEYS].loaded:
        problems.append("no signing key loaded")
    try:
        await asyncio.wait_for(request.app[DATABASE].ping(), READY_TIMEOUT)
    except (StorageUnavailable, TimeoutError):
        problems.append("database unreachable")
    if problems:
        return json_response({"status": "unavailable", "problems": problems}, status=503)
    return json_response({"status": "ready"})
