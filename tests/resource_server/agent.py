"""An MCP-style client that knows nothing but the resource URL (SPEC "Discovery from a 401"):
the 401, RFC 9728 metadata, RFC 8414 metadata, registration or a metadata-document client id,
the code flow with PKCE and `resource` on a loopback redirect, the token, the call."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer
from yarl import URL

from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import PASSWORD
from tests.resource_server.conftest import challenge

# A native app registers its loopback redirect without a port and listens on any
# (RFC 8252 §7.3).
REDIRECT_URI = "http://127.0.0.1/callback"


@dataclass(frozen=True, slots=True)
class Discovered:
    """What the client learnt from the 401 onwards."""

    resource: dict[str, Any]  # RFC 9728
    server: dict[str, Any]  # RFC 8414


async def discover(session: ClientSession, url: str) -> Discovered:
    """From a 401 at `url` to both metadata documents."""
    response = await session.get(url)
    assert response.status == 401
    metadata_url = challenge(response)["resource_metadata"]
    resource = await (await session.get(metadata_url)).json()
    assert url.startswith(resource["resource"])  # matched by prefix, as the MCP SDKs do
    issuer = resource["authorization_servers"][0]
    server = await (await session.get(f"{issuer}/.well-known/oauth-authorization-server")).json()
    assert server["issuer"] == issuer  # RFC 8414 §3.3
    assert server["code_challenge_methods_supported"] == ["S256"]
    return Discovered(resource, server)


async def register(session: ClientSession, found: Discovered) -> str:
    """RFC 7591 with no credentials, as a public native client."""
    metadata = {
        "client_name": "Agent",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
        "scope": " ".join(found.resource["scopes_supported"]),
    }
    response = await session.post(found.server["registration_endpoint"], json=metadata)
    assert response.status == 201, await response.text()
    client_id: str = (await response.json())["client_id"]
    return client_id


class LoopbackCallback:
    """The native app's redirect listener, on a random loopback port."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.server: TestServer | None = None

    async def start(self, aiohttp_server: AiohttpServer) -> str:
        async def callback(request: web.Request) -> web.Response:
            self.received.append(dict(request.query))
            return web.Response(text="You may close this window.")

        app = web.Application()
        app.router.add_get("/callback", callback)
        self.server = await aiohttp_server(app)
        return str(self.server.make_url("/callback"))


async def sign_in(session: ClientSession, authorization_url: str) -> str:
    """Alice signs in and approves in the browser; the redirect's Location."""
    browser = Browser(session)
    login = await browser.open(authorization_url)
    assert login.status == 200, login.html
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert consent.status == 200, consent.html  # first use: always the consent page
    done = await browser.submit(consent, decision="approve")
    assert done.status == 303
    assert done.location
    return done.location


async def authorize(
    session: ClientSession, found: Discovered, client_id: str, redirect_uri: str
) -> tuple[str, str]:
    """The code flow with PKCE and `resource`, through the loopback redirect; (code, verifier)."""
    verifier, code_challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(found.resource["scopes_supported"]),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        "resource": found.resource["resource"],
    }
    request = URL(found.server["authorization_endpoint"]).with_query(query)
    location = await sign_in(session, str(request))
    assert location.startswith(redirect_uri + "?")
    assert (await session.get(location)).status == 200  # the listener gets the redirect
    params = redirect_params(location)
    assert (params["state"], params["iss"]) == (state, found.server["issuer"])
    return params["code"], verifier


async def token(
    session: ClientSession,
    found: Discovered,
    client_id: str,
    code: str,
    verifier: str,
    redirect_uri: str,
) -> str:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "resource": found.resource["resource"],
    }
    response = await session.post(found.server["token_endpoint"], data=form)
    assert response.status == 200, await response.text()
    access_token: str = (await response.json())["access_token"]
    return access_token
