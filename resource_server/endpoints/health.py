"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from resource_server.appkeys import DATABASE, REVOCATION, VALIDATOR
from resource_server.middleware import public
from shared.db import StorageUnavailable
from shared.http import json_response
from shared.serve import LIFECYCLE

READY_TIMEOUT = 2.0


@public
async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: the process answers."""
    return json_response({"status": "ok"})


def _revocation_feed(request: web.Request) -> dict[str, Any]:
    """How fresh the revocation set is: reported, not judged, since a stale feed only makes
    revocation slower while refusing every request would be worse."""
    poller = request.app.get(REVOCATION)
    if poller is None:
        return {}
    age = poller.age()
    return {
        "revocation_feed": {
            "last_poll_age_seconds": None if age is None else round(age, 3),
            "revoked": len(poller.revoked),
        }
    }


@public
async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: the issuer's keys are held and the database answers."""
    problems = []
    if request.app[LIFECYCLE].draining:
        problems.append("stopping")
    if not request.app[VALIDATOR].keys.ready:
        problems.append("the issuer's keys are not loaded yet")
    try:
        await asyncio.wait_for(request.app[DATABASE].ping(), READY_TIMEOUT)
    except (StorageUnavailable, TimeoutError):
        problems.append("database unreachable")
    body: dict[str, Any] = {"status": "ready", **_revocation_feed(request)}
    if problems:
        body.update(status="unavailable", problems=problems)
        return json_response(body, status=503)
    return json_response(body)
