"""Behind a trusted proxy the auth server sees the client's address and scheme: the `Secure`
cookie decision follows X-Forwarded-Proto, and failed sign-ins count against the forwarded
address; from anyone else the headers change nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server.app import create_app
from auth_server.appkeys import CLIENTS, SETTINGS
from auth_server.clients.policy import new_client
from auth_server.settings import Settings
from shared.proxies import parse_trusted_proxies
from tests.auth_server.browser import Browser, pkce_pair
from tests.auth_server.conftest import REDIRECT_URI, AuthClient, Registered
from tests.auth_server.flows import authorize_query

LOOPBACK = parse_trusted_proxies("AUTH_TRUSTED_PROXIES", "127.0.0.1")


async def cookie_is_secure(http: AuthClient, client: Registered, **headers: str) -> bool:
    """Whether the login page's browser cookie carries `Secure`."""
    _, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    page = await http.get("/authorize", params=query, headers=headers, allow_redirects=False)
    assert page.status == 200
    (cookie,) = page.headers.getall("Set-Cookie")
    return "secure" in {part.strip().lower() for part in cookie.split(";")}


@pytest.fixture
async def proxied(aiohttp_client: AiohttpClient, auth_settings: Settings) -> AuthClient:
    """The auth server behind a proxy on loopback (the test client plays the proxy)."""
    return await aiohttp_client(create_app(replace(auth_settings, trusted_proxies=LOOPBACK)))


async def test_https_at_the_proxy_makes_cookies_secure(proxied: AuthClient) -> None:
    client = await register_on(proxied)
    assert await cookie_is_secure(proxied, client, **{"X-Forwarded-Proto": "https"})
    assert not await cookie_is_secure(proxied, client, **{"X-Forwarded-Proto": "http"})
    assert not await cookie_is_secure(proxied, client)


async def test_an_untrusted_peer_cannot_ask_for_another_scheme(
    auth_client: AuthClient, web_client: Registered
) -> None:
    headers = {"X-Forwarded-Proto": "https", "Forwarded": "for=1.2.3.4;proto=https"}
    assert not await cookie_is_secure(auth_client, web_client, **headers)


async def test_failed_sign_ins_count_against_the_forwarded_address(proxied: AuthClient) -> None:
    client = await register_on(proxied)
    _, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    statuses = {}
    for address, attempts in (("203.0.113.1", 21), ("198.51.100.2", 1)):
        browser = Browser(proxied)
        page = await browser.open("/authorize", **query)
        for attempt in range(attempts):
            fields = {**page.form.fields, "username": f"u{attempt}", "password": "wrong"}
            answer = await proxied.post(page.url, data=fields, headers={"X-Forwarded-For": address})
            statuses[address] = answer.status
    assert statuses == {"203.0.113.1": 429, "198.51.100.2": 401}


async def register_on(http: AuthClient) -> Registered:
    """A web client registered in this app's own registry."""
    app = http.app
    scopes = app[SETTINGS].scopes
    request = new_client(
        name="web", redirect_uris=(REDIRECT_URI,), scope=("read",), server_scopes=scopes
    )
    client, secret = await app[CLIENTS].create(request)
    return Registered(client.client_id, secret)
