"""What a person goes through at the authorization endpoint: sign in, consent, a code."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from auth_server.clients.redirect_uris import shown_host
from auth_server.clients.registry import METADATA_DOCUMENT, Client
from auth_server.signin.codes import CODE_TTL, AuthorizationCodes, CodeGrant
from auth_server.signin.consents import Consents
from auth_server.signin.pages import Csrf, cookie_name, describe_scopes, render
from auth_server.signin.person import check_password, set_session_cookie, start_session
from auth_server.signin.request import (
    AccessDenied,
    AuthorizationRequest,
    ConsentRequired,
    Destination,
    InteractionRequired,
    LoginRequired,
)
from auth_server.signin.sessions import SESSION_COOKIE, BrowserSession, Sessions
from auth_server.signin.throttle import SignInThrottle, TooManySignIns
from auth_server.signin.users import UserRepository, normalize_username
from shared.audit import audit
from shared.errors import InvalidRequest
from shared.http import read_form

FORM_EXPIRED = "This form has expired or was not sent by this browser. Please try again."


def document_host(client: Client) -> str:
    """Where a metadata-document client's self-declared name comes from: its URL's host
    (SPEC: shown beside the name); empty for every other client."""
    if client.source != METADATA_DOCUMENT:
        return ""
    return urlsplit(client.client_id).hostname or ""


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


def fresh_enough(auth: AuthorizationRequest, session: BrowserSession, now: int) -> bool:
    """The sign-in may stand: no `prompt=login`, and within `max_age` if the request has one
    (OpenID Connect Core §3.1.2.1)."""
    if "login" in auth.prompt:
        return False
    return auth.max_age is None or now - session.auth_time <= auth.max_age


@dataclass(frozen=True, slots=True)
class AuthorizationFlow:
    """The steps a person goes through; each answers one page or one redirect."""

    issuer: str
    secure_cookies: bool
    users: UserRepository
    sessions: Sessions
    consents: Consents
    codes: AuthorizationCodes
    throttle: SignInThrottle
    csrf: Csrf

    @property
    def session_cookie(self) -> str:
        return cookie_name(SESSION_COOKIE, secure=self.secure_cookies)

    async def signed_in(self, request: web.Request) -> bool:
        """Whether this browser has a live session."""
        return await self.sessions.find(request.cookies.get(self.session_cookie)) is not None

    async def proceed(self, request: web.Request, auth: AuthorizationRequest) -> web.Response:
        # RFC 9700 §2.1.1: a challenge is fresh for every authorization request; one seen again
        # within a code's lifetime is a client that fixes it, or a request replayed.
        if await self.codes.challenge_in_use(auth.client.client_id, auth.code_challenge):
            raise InvalidRequest("this code_challenge was used already; make a new one")
        session = await self.sessions.find(request.cookies.get(self.session_cookie))
        if request.method == "POST":
            form = await read_form(request)
            if "decision" in form:
                return await self._decide(request, auth, session, form)
            return await self._sign_in(request, auth, form)
        if session is None or not fresh_enough(auth, session, int(time.time())):
            if "none" in auth.prompt:
                raise LoginRequired("nobody is signed in, or not recently enough")
            return self._login_page(request, auth, username=auth.login_hint or "")
        if "none" in auth.prompt and auth.login_hint is not None:
            user = await self.users.get(session.user_id)
            if user is None or user.username != normalize_username(auth.login_hint):
                # OpenID Connect Core §3.1.2.6: switching accounts needs the person.
                raise InteractionRequired("someone else than login_hint names is signed in")
        return await self._consent_or_code(request, auth, session)

    def _login_page(
        self, request: web.Request, auth: AuthorizationRequest, *, status: int = 200,
        message: str = "", username: str = "",
    ) -> web.Response:  # fmt: skip
        return self.csrf.form_page(
            request,
            "login.html",
            "login",
            request.query_string,
            status=status,
            action=f"?{request.query_string}",
            client_name=auth.client.client_name,
            message=message,
            username=username,
        )

    async def _sign_in(
        self, request: web.Request, auth: AuthorizationRequest, form: MultiDictProxy[str]
    ) -> web.Response:
        username = str(form.get("username", ""))[:256]
        if not self.csrf.valid(request, form.get("csrf_token"), "login"):
            return self._login_page(request, auth, status=400, message=FORM_EXPIRED)
        credentials = (username, str(form.get("password", "")))
        client_id = auth.client.client_id
        try:
            user = await check_password(request, self.users, self.throttle, credentials, client_id)
        except TooManySignIns as exc:
            return self._throttled_page(request, auth, exc.retry_after)
        if user is None:
            message = "Wrong username or password."
            return self._login_page(request, auth, status=401, message=message, username=username)
        cookie, session = await start_session(request, self.sessions, user, self.session_cookie)
        response = await self._consent_or_code(request, auth, session)
        set_session_cookie(
            request,
            response,
            self.session_cookie,
            cookie,
            secure_issuer=self.secure_cookies,
            max_age=self.sessions.ttl,
        )
        return response

    def _throttled_page(
        self, request: web.Request, auth: AuthorizationRequest, retry_after: int
    ) -> web.Response:
        """429 with Retry-After (RFC 6585 §4), as the login page saying when to try again."""
        minutes = (retry_after + 59) // 60
        message = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
        response = self._login_page(request, auth, status=429, message=message)
        response.headers["Retry-After"] = str(retry_after)
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
        return self.csrf.form_page(
            request,
            "consent.html",
            "consent",
            request.query_string,
            action=f"?{request.query_string}",
            client_name=auth.client.client_name,
            client_host=document_host(auth.client),
            username=user.username if user else "",
            scopes=describe_scopes(auth.scope),
            redirect_host=shown_host(auth.destination.redirect_uri),
        )

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
        if decision not in ("approve", "deny"):
            return render("error.html", status=400, message="Choose Allow or Deny.")
        outcome = "given" if decision == "approve" else "refused"
        audit("consent", outcome, request, client_id=auth.client.client_id, user_id=session.user_id)
        if decision == "deny":
            raise AccessDenied("the user denied the request")
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
                nonce=auth.nonce,
            )
        )
        return redirect(auth.destination, self.issuer, code=code)
