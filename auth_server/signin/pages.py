"""Server-rendered pages for people: every value escaped, no JavaScript, strict headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from auth_server.signing.server_secrets import ServerSecrets

BROWSER_COOKIE = "oauth_browser"
# RFC 6265bis §4.1.3.2: a `__Host-` cookie is Secure, host-only and for path /, so neither a
# sibling subdomain nor plain http can plant or overwrite it. Used whenever cookies are Secure.
HOST_PREFIX = "__Host-"


def cookie_name(name: str, *, secure: bool) -> str:
    """The name a cookie goes by: `__Host-` prefixed when the issuer is https."""
    return HOST_PREFIX + name if secure else name


SCOPE_DESCRIPTIONS = {
    "read": "read your account data",
    "write": "change your account data",
    "openid": "know who you are (your user id)",
    "profile": "see your name and username",
    "email": "see your email address",
}

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def render(template: str, *, status: int = 200, **context: Any) -> web.Response:
    """An HTML page that no one may cache, frame, or run scripts in."""
    nonce = secrets.token_urlsafe(16)
    body = _ENVIRONMENT.get_template(template).render(nonce=nonce, **context)
    return web.Response(
        text=body,
        status=status,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                f"default-src 'none'; style-src 'nonce-{nonce}'; frame-ancestors 'none';"
                " base-uri 'none'"
            ),
        },
    )


def describe_scopes(scope: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"name": s, "description": SCOPE_DESCRIPTIONS.get(s, f"use '{s}'")} for s in scope]


class Csrf:
    """Form tokens bound to this browser (a random HttpOnly cookie), to the form's purpose and
    to the exact authorization request, so a token never works for another form or request."""

    def __init__(self, server_secrets: ServerSecrets, *, secure: bool) -> None:
        self._secrets = server_secrets
        self._secure = secure
        self._cookie = cookie_name(BROWSER_COOKIE, secure=secure)

    def browser(self, request: web.Request) -> str:
        """This browser's binding value: the cookie's, or a new one (set by `remember`)."""
        value = request.cookies.get(self._cookie, "")
        if len(value) != 43:
            value = secrets.token_urlsafe(32)
        return value

    def remember(self, request: web.Request, response: web.StreamResponse, browser: str) -> None:
        """Set the browser cookie; `Secure` for an https issuer or a request that came by https
        (its scheme as a trusted proxy tells it)."""
        secure = self._secure or request.scheme == "https"
        response.set_cookie(
            self._cookie, browser, httponly=True, samesite="Lax", secure=secure, path="/"
        )

    def form_page(
        self, request: web.Request, template: str, purpose: str, query: str, **context: Any
    ) -> web.Response:
        """`template` rendered with a form token for `purpose` and `query` (the request the
        form posts back to), and this browser's cookie set."""
        browser = self.browser(request)
        response = render(template, csrf_token=self.token(browser, purpose, query), **context)
        self.remember(request, response, browser)
        return response

    def token(self, browser: str, purpose: str, query: str) -> str:
        fingerprint = hashlib.sha256(query.encode()).hexdigest()
        return self._secrets.digest(f"csrf|{browser}|{purpose}|{fingerprint}")

    def valid(self, request: web.Request, submitted: str | None, purpose: str) -> bool:
        browser = request.cookies.get(self._cookie)
        if not browser or not submitted:
            return False
        expected = self.token(browser, purpose, request.query_string)
        # compare_digest takes str only when ASCII; what a client submits may be anything.
        return hmac.compare_digest(expected.encode(), submitted.encode("utf-8", "surrogatepass"))
