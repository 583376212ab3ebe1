"""The authorization endpoint (RFC 6749 §4.1): check the request, then hand it to the flow."""

from __future__ import annotations

from aiohttp import web

from auth_server.appkeys import AUTHORIZATION_FLOW, CLIENTS, SETTINGS
from auth_server.signin.flow import redirect
from auth_server.signin.pages import render
from auth_server.signin.request import UntrustedRedirect, check_request, resolve_destination
from shared.errors import OAuthError


async def authorize(request: web.Request) -> web.StreamResponse:
    """GET and POST /authorize"""
    settings = request.app[SETTINGS]
    try:
        destination = await resolve_destination(request.query, request.app[CLIENTS])
    except UntrustedRedirect as exc:
        return render("error.html", status=400, message=str(exc))
    try:
        auth = check_request(request.query, destination, settings.default_audience)
        return await request.app[AUTHORIZATION_FLOW].proceed(request, auth)
    except OAuthError as exc:
        params = {"error": exc.error}
        if exc.description:
            params["error_description"] = exc.description
        return redirect(destination, settings.issuer, **params)
