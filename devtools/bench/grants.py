"""Authorization codes and refresh tokens in bulk for (f) and (g), made the way a person and
an app make them: a user and a web client created with the CLI, one real sign-in and consent
through the pages, then one GET /authorize per code (the consent is remembered) and, for (f),
one code exchange per refresh-token family."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import aiohttp

from devtools.bench.deployment import Deployment, RegisteredClient
from devtools.bench.services import ROOT

REDIRECT_URI = "http://127.0.0.1:9/callback"
USERNAME = "bench-user"
# Requests in flight while preparing: enough to keep two workers busy.
PARALLEL = 16
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
_ACTION = re.compile(r'<form[^>]*action="([^"]*)"')


@dataclass(frozen=True, slots=True)
class WebApp:
    """What the prepared codes need: the client and its user's password."""

    client: RegisteredClient
    password: str


@dataclass(frozen=True, slots=True)
class Code:
    """A code and the PKCE verifier of its authorization request: one per code, since the
    server refuses a code_challenge seen again within a code's lifetime (RFC 9700 §2.1.1)."""

    code: str
    verifier: str


def challenge_of(verifier: str) -> str:
    """RFC 7636 §4.2: S256."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _cli(deployment: Deployment, *args: str, stdin: str | None = None) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "auth_server", *args, "--json"],
        env=deployment.env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"auth-server {' '.join(args[:2])} failed: {done.stderr.strip()}")
    created: dict[str, str] = json.loads(done.stdout)
    return created


def create_web_app(deployment: Deployment) -> WebApp:
    """A user and a confidential web client (authorization_code and refresh_token)."""
    password = secrets.token_urlsafe(16)
    _cli(deployment, "user", "create", USERNAME, "--password-stdin", stdin=password + "\n")
    created = _cli(
        deployment, "client", "create", "--name", "bench-web", "--redirect-uri", REDIRECT_URI
    )
    client = RegisteredClient(created["client_id"], created["client_secret"])
    return WebApp(client, password)


def _form(html: str) -> tuple[str, dict[str, str]]:
    """The page's form: its action and its named inputs."""
    action = _ACTION.search(html)
    fields = {name: unescape(value) for name, value in _INPUT.findall(html)}
    return unescape(action.group(1)) if action else "", fields


def _code_of(location: str) -> str:
    params = parse_qs(urlsplit(location).query)
    if "code" not in params:
        raise RuntimeError(f"the authorization endpoint sent no code: {location[:200]}")
    return params["code"][0]


async def _sign_in(http: aiohttp.ClientSession, document: dict[str, str], app: WebApp) -> None:
    """The login page, then the consent page (unless this user already consented), each
    submitted as a person would."""
    authorize = _authorize_url(document, app, secrets.token_urlsafe(48))
    async with http.get(authorize, allow_redirects=False) as response:
        action, fields = _form(await response.text())
    login = {**fields, "username": USERNAME, "password": app.password}
    async with http.post(urljoin(authorize, action), data=login, allow_redirects=False) as page:
        if page.status == 303:  # the consent was remembered: a code at once
            _code_of(page.headers.get("Location", ""))
            return
        if page.status != 200:
            raise RuntimeError(f"sign-in answered {page.status}")
        action, fields = _form(await page.text())
    approve = {**fields, "decision": "approve"}
    async with http.post(urljoin(authorize, action), data=approve, allow_redirects=False) as done:
        _code_of(done.headers.get("Location", ""))


async def _codes(
    http: aiohttp.ClientSession, document: dict[str, str], app: WebApp, count: int
) -> list[Code]:
    """`count` codes, PARALLEL requests at a time."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one() -> Code:
        verifier = secrets.token_urlsafe(48)
        authorize = _authorize_url(document, app, verifier)
        async with gate, http.get(authorize, allow_redirects=False) as response:
            return Code(_code_of(response.headers.get("Location", "")), verifier)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def _exchange(
    http: aiohttp.ClientSession, token_endpoint: str, app: WebApp, codes: list[Code]
) -> list[str]:
    """One refresh token (a new family) per code."""
    gate = asyncio.Semaphore(PARALLEL)
    headers = {"Authorization": app.client.basic}

    async def one(code: Code) -> str:
        async with (
            gate,
            http.post(token_endpoint, data=code_form(code), headers=headers) as response,
        ):
            body = await response.json(content_type=None)
            if response.status != 200:
                raise RuntimeError(f"code exchange answered {response.status}: {body}")
            token: str = body["refresh_token"]
            return token

    return list(await asyncio.gather(*(one(code) for code in codes)))


def code_form(code: Code) -> dict[str, str]:
    """The token request that exchanges one code (RFC 6749 §4.1.3, RFC 7636 §4.5)."""
    form = {"grant_type": "authorization_code", "code": code.code, "redirect_uri": REDIRECT_URI}
    return {**form, "code_verifier": code.verifier}


def code_body(code: Code) -> str:
    """The same, form-encoded, as wrk sends it."""
    return urlencode(code_form(code))


def refresh_body(token: str) -> str:
    """The token request that rotates one family (RFC 6749 §6)."""
    return urlencode({"grant_type": "refresh_token", "refresh_token": token})


def _authorize_url(document: dict[str, str], app: WebApp, verifier: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "read",
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
    }
    return f"{document['authorization_endpoint']}?{urlencode(query)}"


async def _prepare(document: dict[str, str], app: WebApp, count: int, refresh: bool) -> list[str]:
    """Sign in once, then `count` codes: as token-request bodies, or when `refresh` exchanged
    for refresh tokens."""
    jar = aiohttp.CookieJar(unsafe=True)  # the issuer is a loopback address
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        await _sign_in(http, document, app)
        codes = await _codes(http, document, app, count)
        if not refresh:
            return [code_body(code) for code in codes]
        return await _exchange(http, document["token_endpoint"], app, codes)


def code_pool(document: dict[str, str], app: WebApp, count: int, path: Path) -> Path:
    """A file of `count` code exchanges, one form body a line; codes live 60 s, so measure
    right after."""
    bodies = asyncio.run(_prepare(document, app, count, refresh=False))
    path.write_text("".join(body + "\n" for body in bodies))
    return path


def refresh_pool(document: dict[str, str], app: WebApp, count: int, path: Path) -> Path:
    """A file of `count` refresh-token rotations, each of its own family, one body a line."""
    tokens = asyncio.run(_prepare(document, app, count, refresh=True))
    path.write_text("".join(refresh_body(token) + "\n" for token in tokens))
    return path
