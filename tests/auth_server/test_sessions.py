"""Browser sessions: `__Host-` cookies and HSTS on an https issuer, and one session row per
browser (a sign-in replaces the old session, so a planted cookie is worth nothing after it)."""

from __future__ import annotations

import dataclasses
from http.cookies import SimpleCookie

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, DATABASE, USERS
from auth_server.clients.policy import new_client
from tests.auth_server.browser import Browser, pkce_pair
from tests.auth_server.conftest import PASSWORD, AuthClient, Registered
from tests.auth_server.flows import authorize_query, sign_in_and_approve

pytestmark = pytest.mark.usefixtures("database_kind")


def set_cookies(headers: list[str]) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in headers:
        jar.load(header)
    return jar


async def test_an_https_issuer_uses_host_cookies_and_hsts(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    settings = dataclasses.replace(auth_settings, issuer="https://auth.test")
    http = await aiohttp_client(create_app(settings))
    await http.app[USERS].create("alice", PASSWORD)
    client = await register_client_in(http)
    _, challenge = pkce_pair()
    login = await http.get("/authorize", params=authorize_query(client, challenge))
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    browser = set_cookies(login.headers.getall("Set-Cookie"))
    assert list(browser) == ["__Host-oauth_browser"]
    html = await login.text()
    csrf = html.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "username": "alice", "password": PASSWORD}
    cookie = {"Cookie": f"__Host-oauth_browser={browser['__Host-oauth_browser'].value}"}
    signed_in = await http.post(login.url.path_qs, data=form, headers=cookie)
    session = set_cookies(signed_in.headers.getall("Set-Cookie"))["__Host-oauth_session"]
    assert (session["secure"], session["path"], session["domain"]) == (True, "/", "")
    assert (await http.get("/no-such-page")).headers["Strict-Transport-Security"]


async def register_client_in(http: AuthClient) -> Registered:
    request = new_client(
        name="web", redirect_uris=("https://app.example/callback",), server_scopes=("read",)
    )
    client, secret = await http.app[CLIENTS].create(request)
    return Registered(client.client_id, secret)


@pytest.mark.parametrize("database_kind", ["sqlite"])  # headers only
async def test_an_http_issuer_sends_no_hsts(auth_client: AuthClient) -> None:
    response = await auth_client.get("/.well-known/oauth-authorization-server")
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.usefixtures("user_id")
async def test_a_new_sign_in_replaces_the_old_session(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    await sign_in_and_approve(browser, web_client)
    _, challenge = pkce_pair()
    login = await browser.open(
        "/authorize", **authorize_query(web_client, challenge, prompt="login")
    )
    assert login.status == 200
    signed_in = await browser.submit(login, username="alice", password=PASSWORD)
    assert signed_in.status == 303  # consent is remembered
    sessions = await auth_client.app[DATABASE].fetchval("SELECT count(*) FROM browser_sessions")
    assert sessions == 1
