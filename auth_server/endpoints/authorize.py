"""The authorization endpoint (RFC 6749 §4.1): check the request, then hand it to the flow."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from auth_server.appkeys import (
    AUTHORIZATION_FLOW,
    CLIENT_DOCUMENTS,
    CLIENTS,
    REGISTRATIONS,
    SETTINGS,
)
from auth_server.clients.documents.guard import DocumentRefused
from auth_server.clients.documents.store import looks_like_document_url
from auth_server.clients.registry import OPERATOR
from auth_server.signin.flow import redirect
from auth_server.signin.pages import render
from auth_server.signin.request import (
    Destination,
    UntrustedRedirect,
    check_request,
    resolve_destination,
)
from shared.errors import InvalidRequest, OAuthError
from shared.http import read_form


async def authorize(request: web.Request) -> web.StreamResponse:
    """GET and POST /authorize"""
    if request.method == "POST" and not request.query_string:
        return await _posted_request(request)
    settings = request.app[SETTINGS]
    try:
        await _fetch_document(request)
        destination = await resolve_destination(request.query, request.app[CLIENTS])
    except UntrustedRedirect as exc:
        return render("error.html", status=400, message=str(exc))
    try:
        auth = check_request(
            request.query, destination, settings.default_audience, settings.known_audiences
        )
        return await request.app[AUTHORIZATION_FLOW].proceed(request, auth)
    except OAuthError as exc:
        if not await _may_redirect(request, destination):
            return render("error.html", status=400, message=exc.description or exc.error)
        params = {"error": exc.error}
        if exc.description:
            params["error_description"] = exc.description
        return redirect(destination, settings.issuer, **params)


async def _posted_request(request: web.Request) -> web.Response:
    """OpenID Connect Core §3.1.2.1: an authorization request may be a form POST. It is the
    same request as by GET, so the browser is sent to that one; the pages' own forms always
    post to a URL with the request in its query."""
    try:
        form = await read_form(request)
    except InvalidRequest as exc:
        if exc.status != 400:  # too large, too slow: the protocol's JSON answer
            raise
        return render("error.html", status=400, message=str(exc))
    if not form:
        return render("error.html", status=400, message="The authorization request is empty.")
    location = f"{request.path}?{urlencode(list(form.items()))}"
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


async def _fetch_document(request: web.Request) -> None:
    """A client_id that is a URL names its client metadata document: fetch it (when it is not
    stored fresh) before the client is looked up. A failure is an unknown client."""
    documents = request.app.get(CLIENT_DOCUMENTS)
    client_id = request.query.get("client_id", "")
    if not looks_like_document_url(client_id):
        return
    if documents is None:  # turned off: clients stored while it was on are unknown too
        raise UntrustedRedirect("the client_id is missing or unknown")
    try:
        await documents.refresh(client_id)
    except DocumentRefused:
        raise UntrustedRedirect("unknown client: its metadata document cannot be used") from None


async def _may_redirect(request: web.Request, destination: Destination) -> bool:
    """RFC 9700 §4.11.2: anyone can register a client whose redirect URI is a phishing page;
    such a client gets error redirects only once a person has signed in here."""
    client = destination.client
    if client.source == OPERATOR and not await request.app[REGISTRATIONS].registered_itself(
        client.client_id
    ):
        return True
    return await request.app[AUTHORIZATION_FLOW].signed_in(request)
