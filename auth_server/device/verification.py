"""What a person goes through at the verification URI (RFC 8628 §3.3): enter the code shown
on the device, sign in, then approve or deny that device's request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from auth_server.clients.registry import ClientRepository
from auth_server.device.codes import (
    DeviceCodes,
    PendingRequest,
    format_user_code,
    normalize_user_code,
)
from auth_server.device.throttle import UserCodeThrottle
from auth_server.signin.pages import Csrf, cookie_name, describe_scopes, render
from auth_server.signin.person import check_password, set_session_cookie, start_session
from auth_server.signin.sessions import SESSION_COOKIE, BrowserSession, Sessions
from auth_server.signin.throttle import SignInThrottle, TooManySignIns
from auth_server.signin.users import UserRepository
from shared.http import read_form
from shared.request_context import client_address

FORM_EXPIRED = "This form has expired or was not sent by this browser. Please try again."
WRONG_CODE = "That code is not valid, or has expired. Check the code your device shows."


@dataclass(frozen=True, slots=True)
class Entered:
    """A user code that names a pending request, and the query the next pages post to."""

    request: PendingRequest
    client_name: str
    query: str

    @property
    def shown(self) -> str:
        return format_user_code(self.request.user_code)


# The form's hidden field: the code was submitted, not merely pre-filled by a link.
SUBMITTED = "code"


def code_page(*, status: int = 200, message: str = "", user_code: str = "") -> web.Response:
    """The form that asks for the code: a GET, so `verification_uri_complete` pre-fills it."""
    return render("device.html", status=status, message=message, user_code=user_code)


@dataclass(frozen=True, slots=True)
class DeviceVerification:
    """The steps at `/device`; each answers one page."""

    secure_cookies: bool
    clients: ClientRepository
    users: UserRepository
    sessions: Sessions
    codes: DeviceCodes
    attempts: UserCodeThrottle
    login_throttle: SignInThrottle
    csrf: Csrf

    @property
    def session_cookie(self) -> str:
        return cookie_name(SESSION_COOKIE, secure=self.secure_cookies)

    async def proceed(self, request: web.Request) -> web.Response:
        given = request.query.getall("user_code", [])
        if not given or given == [""]:
            return code_page()
        if request.method == "GET" and request.query.get("step") != SUBMITTED:
            # verification_uri_complete: the form pre-filled, for the person to compare with
            # the device's screen before anything is looked up (RFC 8628 §3.3.1, §5.4).
            return code_page(user_code=given[0][:64])
        address = client_address(request)
        wait = await self.attempts.attempt(address)  # counted before the lookup
        if wait:
            message = f"Too many wrong codes. Try again in {(wait + 59) // 60} minute(s)."
            response = code_page(status=429, message=message)
            response.headers["Retry-After"] = str(wait)
            return response
        entered = await self._find(given)
        if entered is None:
            return code_page(status=400, message=WRONG_CODE, user_code=given[0][:64])
        await self.attempts.forgive(address)
        session = await self.sessions.find(request.cookies.get(self.session_cookie))
        if request.method == "POST":
            form = await read_form(request)
            if "decision" in form:
                return await self._decide(request, entered, session, form)
            return await self._sign_in(request, entered, form)
        if session is None:
            return self._login_page(request, entered)
        return await self._consent_page(request, entered, session)

    async def _find(self, given: list[str]) -> Entered | None:
        user_code = normalize_user_code(given[0]) if len(given) == 1 else None
        pending = await self.codes.find_pending(user_code) if user_code else None
        client = await self.clients.get(pending.client_id) if pending else None
        if pending is None or client is None:
            return None
        query = urlencode({"user_code": format_user_code(pending.user_code), "step": SUBMITTED})
        return Entered(pending, client.client_name, query)

    def _login_page(
        self, request: web.Request, entered: Entered, *, status: int = 200, message: str = "",
        username: str = "",
    ) -> web.Response:  # fmt: skip
        return self.csrf.form_page(
            request,
            "login.html",
            "device-login",
            entered.query,
            status=status,
            action=f"?{entered.query}",
            client_name=entered.client_name,
            message=message,
            username=username,
        )

    async def _sign_in(
        self, request: web.Request, entered: Entered, form: MultiDictProxy[str]
    ) -> web.Response:
        username = str(form.get("username", ""))[:256]
        if not self.csrf.valid(request, form.get("csrf_token"), "device-login"):
            return self._login_page(request, entered, status=400, message=FORM_EXPIRED)
        credentials = (username, str(form.get("password", "")))
        client_id = entered.request.client_id
        try:
            user = await check_password(
                request, self.users, self.login_throttle, credentials, client_id
            )
        except TooManySignIns as exc:
            message = (
                f"Too many failed sign-ins. Try again in {(exc.retry_after + 59) // 60} minute(s)."
            )
            response = self._login_page(request, entered, status=429, message=message)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if user is None:
            message = "Wrong username or password."
            return self._login_page(
                request, entered, status=401, message=message, username=username
            )
        cookie, session = await start_session(request, self.sessions, user, self.session_cookie)
        response = await self._consent_page(request, entered, session)
        set_session_cookie(
            request,
            response,
            self.session_cookie,
            cookie,
            secure_issuer=self.secure_cookies,
            max_age=self.sessions.ttl,
        )
        return response

    async def _consent_page(
        self, request: web.Request, entered: Entered, session: BrowserSession
    ) -> web.Response:
        # RFC 8628 §5.4: always ask, naming the client, the scopes and the code, since the
        # person may have been sent here by someone else's device.
        user = await self.users.get(session.user_id)
        return self.csrf.form_page(
            request,
            "device_consent.html",
            "device-consent",
            entered.query,
            action=f"?{entered.query}",
            client_name=entered.client_name,
            username=user.username if user else "",
            client_host="",
            scopes=describe_scopes(entered.request.scope),
            user_code=entered.shown,
        )

    async def _decide(
        self,
        request: web.Request,
        entered: Entered,
        session: BrowserSession | None,
        form: MultiDictProxy[str],
    ) -> web.Response:
        if not self.csrf.valid(request, form.get("csrf_token"), "device-consent"):
            return render("error.html", status=400, message=FORM_EXPIRED)
        if session is None:
            return self._login_page(request, entered, message="Please sign in again.")
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            return render("error.html", status=400, message="Choose Allow or Deny.")
        approve = decision == "approve"
        decided = await self.codes.decide(
            entered.request.user_code,
            user_id=session.user_id,
            auth_time=session.auth_time,
            approve=approve,
        )
        if not decided:
            return code_page(status=400, message=WRONG_CODE)
        return render("device_done.html", approved=approve, client_name=entered.client_name)
