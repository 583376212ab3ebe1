"""A small cookie-keeping browser for tests: reads real pages, fills in and submits forms."""

from __future__ import annotations

import base64
import hashlib
import secrets
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from aiohttp import ClientResponse, ClientSession

from tests.auth_server.conftest import AuthClient

# Debian's Chromium, headless, driven by Playwright (its own browser download is not used).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Form:
    """One <form>: where it goes and the fields a person would send."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""), attributes.get("method", "get")))
        elif self.forms and tag == "input" and "name" in attributes:
            self.forms[-1].fields[attributes["name"]] = attributes.get("value", "")
        elif self.forms and tag == "button" and "name" in attributes:
            self.forms[-1].buttons.setdefault(attributes["name"], []).append(attributes["value"])


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass
class Page:
    """A response as a person sees it."""

    status: int
    url: str
    html: str
    location: str | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def form(self) -> Form:
        (form,) = forms_of(self.html)
        return form


def pkce_pair() -> tuple[str, str]:
    """A fresh code_verifier and its S256 code_challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def redirect_params(location: str) -> dict[str, str]:
    """The query parameters of a redirect to the client (each exactly once)."""
    parsed = parse_qs(urlsplit(location).query, keep_blank_values=True)
    assert all(len(v) == 1 for v in parsed.values()), parsed
    return {k: v[0] for k, v in parsed.items()}


class Browser:
    """Drives the authorization server as a person's browser would (cookies kept)."""

    def __init__(self, http: AuthClient | ClientSession) -> None:
        self.http = http

    async def _page(self, response: ClientResponse, url: str) -> Page:
        location = response.headers.get("Location")
        return Page(response.status, url, await response.text(), location, dict(response.headers))

    async def open(self, path: str, **query: str) -> Page:
        url = f"{path}?{urlencode(query)}" if query else path
        response = await self.http.get(url, allow_redirects=False)
        return await self._page(response, url)

    async def submit(self, page: Page, **values: str) -> Page:
        """Fill in the page's form (buttons by name=value) and send it."""
        form = page.form
        data = {**form.fields, **values}
        url = urljoin(page.url, form.action)
        if form.method.lower() == "get":  # the fields become the query, as a browser sends
            return await self.open(url.split("?", 1)[0], **data)
        response = await self.http.post(url, data=data, allow_redirects=False)
        return await self._page(response, url)
