"""What a person goes through at the authorization endpoint: sign in, consent, a code."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from auth_server.signin.codes import CODE_TTL, AuthorizationCodes, CodeGrant
from auth_server.signin.consents import Consents
from auth_server.signin.pages import Csrf, describe_scopes, render
from auth_server.signin.request import (
    AccessDenied,
    AuthorizationRequest,
    ConsentRequired,
    Destination,
    LoginRequired,
)
from auth_server.signin.sessions import SESSION_COOKIE, BrowserSession, Sessions
from auth_server.signin.throttle import LoginThrottle
from auth_server.signin.users import UserRepository, normalize_username
from shared.http import read_form

FORM_EXPIRED = "This form has expired or was not sent by this browser. Please try again."


def redirect(destination: Destination, issuer: str, **params: str) -> web.Response:
    """303 to the client's redirect URI with `params`, `state` and `iss` (RFC 9207) added to
    its query; 303 so the browser never re-posts the password there (RFC 9700 §4.11)."""
    if destination.state is not None:
        params["state"] = destination.state
    params["iss"] = issuer
    uri = destination.redirect_uri
    separator = "&" if urlsplit(uri).query else ("" if uri.endswith("?") else "?")
    location = f"{uri}{separator}{urlencode(params)}"
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


@dataclass(frozen=True, slots=True)
class AuthorizationFlow:
    """The steps a person goes through; each answers one page or one redirect."""

    issuer: str
    secure_cookies: bool
    users: UserRepository
    sessions: Sessions
    consents: Consents
    codes: AuthorizationCodes
    throttle: LoginThrottle
    csrf: Csrf

    async def proceed(self, request: web.Request, auth: AuthorizationRequest) -> web.Response:
        session = await self.sessions.find(request.cookies.get(SESSION_COOKIE))
        if request.method == "POST":
            form = await read_form(request)
            if "decision" in form:
                return await self._decide(request, auth, session, form)
            return await self._sign_in(request, auth, form)
        if session is None or "login" in auth.prompt:
            if "none" in auth.prompt:
                raise LoginRequired("nobody is signed in")
            return self._login_page(request, auth)
        return await self._consent_or_code(request, auth, session)

    def _login_page(
        self, request: web.Request, auth: AuthorizationRequest, *, status: int = 200,
        message: str = "", username: str = "",
    ) -> web.Response:  # fmt: skip
        browser = self.csrf.browser(request)
        response = render(
            "login.html",
            status=status,
            action=f"?{request.query_string}",
            client_name=auth.client.client_name,
            csrf_token=self.csrf.token(browser, "login", request.query_string),
            message=message,
            username=username,
        )
        self.csrf.remember(request, response, browser)
        return response

    async def _sign_in(
        self, request: web.Request, auth: AuthorizationRequest, form: MultiDictProxy[str]
    ) -> web.Response:
        username = str(form.get("username", ""))[:256]
        if not self.csrf.valid(request, form.get("csrf_token"), "login"):
            return self._login_page(request, auth, status=400, message=FORM_EXPIRED)
        address = request.remote or "unknown"
        wait = await self.throttle.retry_after(normalize_username(username), address)
        if wait:
            minutes = (wait + 59) // 60
            message = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
            response = self._login_page(request, auth, status=429, message=message)
            response.headers["Retry-After"] = str(wait)
            return response
        user = await self.users.authenticate(username, str(form.get("password", "")))
        if user is None:
            await self.throttle.failed(normalize_username(username), address)
            message = "Wrong username or password."
            return self._login_page(request, auth, status=401, message=message, username=username)
        await self.throttle.succeeded(user.username)
        cookie, session = await self.sessions.start(user.user_id)
        response = await self._consent_or_code(request, auth, session)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            httponly=True,
            samesite="Lax",
            secure=self.secure_cookies or request.scheme == "https",
            path="/",
            max_age=self.sessions.ttl,
        )
        return response

    async def _consent_or_code(
        self, request: web.Request, auth: AuthorizationRequest, session: BrowserSession
    ) -> web.Response:
        remembered = await self.consents.covers(session.user_id, auth.client.client_id, auth.scope)
        if remembered and "consent" not in auth.prompt:
            return await self._issue_code(auth, session)
        if "none" in auth.prompt:
            raise ConsentRequired("the user has not granted these scopes to this client")
        user = await self.users.get(session.user_id)
        browser = self.csrf.browser(request)
        response = render(
            "consent.html",
            action=f"?{request.query_string}",
            client_name=auth.client.client_name,
            username=user.username if user else "",
            scopes=describe_scopes(auth.scope),
            redirect_host=urlsplit(auth.destination.redirect_uri).netloc,
            csrf_token=self.csrf.token(browser, "consent", request.query_string),
        )
        self.csrf.remember(request, response, browser)
        return response

    async def _decide(
        self,
        request: web.Request,
        auth: AuthorizationRequest,
        session: BrowserSession | None,
        form: MultiDictProxy[str],
    ) -> web.Response:
        if not self.csrf.valid(request, form.get("csrf_token"), "consent"):
            return render("error.html", status=400, message=FORM_EXPIRED)
        if session is None:
            return self._login_page(request, auth, message="Please sign in again.")
        decision = form.get("decision")
        if decision == "deny":
            raise AccessDenied("the user denied the request")
        if decision != "approve":
            return render("error.html", status=400, message="Choose Allow or Deny.")
        await self.consents.remember(session.user_id, auth.client.client_id, auth.scope)
        return await self._issue_code(auth, session)

    async def _issue_code(
        self, auth: AuthorizationRequest, session: BrowserSession
    ) -> web.Response:
        code = await self.codes.issue(
            CodeGrant(
                client_id=auth.client.client_id,
                user_id=session.user_id,
                redirect_uri=auth.destination.redirect_uri,
                redirect_uri_given=auth.destination.redirect_uri_given,
                code_challenge=auth.code_challenge,
                scope=auth.scope,
                audience=auth.audience,
                auth_time=session.auth_time,
                expires_at=int(time.time()) + CODE_TTL,
            )
        )
        return redirect(auth.destination, self.issuer, code=code)
