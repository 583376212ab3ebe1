"""The verification URI (RFC 8628 §3.3): where a person enters a device's user code."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import DEVICE_VERIFICATION


async def device(request: web.Request) -> web.Response:
    """GET and POST /device"""
    return await request.app[DEVICE_VERIFICATION].proceed(request)
