"""Signing a person in, wherever the login form is (the authorization endpoint, the device
verification page): the password checked under the throttle and audited, and the session
that follows set in the browser."""

from __future__ import annotations

from aiohttp import web

from auth_server.signin.sessions import BrowserSession, Sessions
from auth_server.signin.throttle import SignInThrottle, TooManySignIns
from auth_server.signin.users import User, UserRepository, normalize_username
from shared.audit import audit
from shared.request_context import client_address


async def check_password(
    request: web.Request,
    users: UserRepository,
    throttle: SignInThrottle,
    form_values: tuple[str, str],
    client_id: str,
) -> User | None:
    """The user whose (username, password) these are, or None; counted before the password
    is checked, so TooManySignIns comes first past a limit. Every outcome is audited."""
    username, password = form_values
    try:
        async with throttle.attempt(normalize_username(username), client_address(request)) as a:
            user = await users.authenticate(username, password)
            a.succeeded = user is not None
    except TooManySignIns:
        audit("sign_in", "throttled", request, client_id=client_id)
        raise
    if user is None:
        audit("sign_in", "failure", request, client_id=client_id)
    else:
        audit("sign_in", "success", request, client_id=client_id, user_id=user.user_id)
    return user


async def start_session(
    request: web.Request, sessions: Sessions, user: User, cookie_name: str
) -> tuple[str, BrowserSession]:
    """A new session for `user`. It replaces this browser's old one: one row per browser,
    and a cookie planted before sign-in (session fixation) is worth nothing after it."""
    return await sessions.start(user.user_id, replacing=request.cookies.get(cookie_name))


def set_session_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    secure_issuer: bool,
    max_age: int,
) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, and Secure for an https issuer or a
    request that came by https (as a trusted proxy tells it)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Lax",
        secure=secure_issuer or request.scheme == "https",
        path="/",
        max_age=max_age,
    )
