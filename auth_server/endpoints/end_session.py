"""The end-session endpoint (OpenID RP-Initiated Logout 1.0 §2): GET or POST from a relying
party, and the confirmation form posted back by the person."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from aiohttp import web
from multidict import MultiMapping

from auth_server.appkeys import AUTHORIZATION_FLOW, CLIENTS, ID_TOKEN_KEYS, SETTINGS
from auth_server.oidc.discovery import END_SESSION_PATH
from auth_server.oidc.logout import LogoutError, LogoutRequest, check_logout
from auth_server.signin.pages import render
from auth_server.signin.sessions import SESSION_COOKIE
from shared.audit import audit
from shared.errors import InvalidRequest
from shared.http import read_form

CONFIRMED = "logout"
_PURPOSE = "logout"
FORM_EXPIRED = "This form has expired or was not sent by this browser. Please try again."


async def end_session(request: web.Request) -> web.Response:
    """GET and POST /logout"""
    params: MultiMapping[str] = request.query
    if request.method == "POST":
        try:
            params = await read_form(request)
        except InvalidRequest as exc:
            if exc.status != 400:  # too large, too slow: the protocol's JSON answer
                raise
            return render("error.html", status=400, message=str(exc))
        if "csrf_token" in params:
            return await _confirmed(request, params)
    app = request.app
    try:
        logout = await check_logout(params, app[ID_TOKEN_KEYS], app[SETTINGS].issuer, app[CLIENTS])
    except LogoutError as exc:
        return render("error.html", status=400, message=str(exc))
    flow = app[AUTHORIZATION_FLOW]
    session = await flow.sessions.find(request.cookies.get(SESSION_COOKIE))
    if logout.hint is None or (session is not None and session.user_id != logout.subject):
        # §2: without a hint for the person signed in here, ask them; never redirect.
        return _confirmation_page(request)
    return await _end(request, logout)


def _confirmation_page(request: web.Request) -> web.Response:
    csrf = request.app[AUTHORIZATION_FLOW].csrf
    return csrf.form_page(request, "logout.html", _PURPOSE, "", action=END_SESSION_PATH)


async def _confirmed(request: web.Request, form: MultiMapping[str]) -> web.Response:
    csrf = request.app[AUTHORIZATION_FLOW].csrf
    if request.query_string or not csrf.valid(request, form.get("csrf_token"), _PURPOSE):
        return render("error.html", status=400, message=FORM_EXPIRED)
    if form.get("decision") != CONFIRMED:
        return render("signed_out.html", signed_out=False)
    return await _end(request, LogoutRequest(None, None, None))


async def _end(request: web.Request, logout: LogoutRequest) -> web.Response:
    """End this browser's session (in the database, so at every replica), then go back to
    the relying party with its `state`, or show that the person is signed out."""
    sessions = request.app[AUTHORIZATION_FLOW].sessions
    user_id = await sessions.end(request.cookies.get(SESSION_COOKIE))
    if user_id is not None:
        audit("logout", "success", request, user_id=user_id)
    if logout.post_logout_redirect_uri is None:
        response = render("signed_out.html", signed_out=True)
    else:
        uri = logout.post_logout_redirect_uri
        query = urlencode({"state": logout.state}) if logout.state is not None else ""
        separator = "&" if urlsplit(uri).query else "?"
        location = f"{uri}{separator}{query}" if query else uri
        response = web.Response(
            status=303, headers={"Location": location, "Cache-Control": "no-store"}
        )
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
