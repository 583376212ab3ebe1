"""Redirect URIs over HTTP: what registration refuses, loopback ports (RFC 8252 §7.3), the
host on the consent page, and no error redirects for self-registered clients before anyone has
signed in (RFC 9700 §4.11.2)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from auth_server import Settings
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import PASSWORD, AuthClient, RegisterClient, Registered
from tests.auth_server.flows import INITIAL_TOKEN, WEB_APP, post_token, register

pytestmark = pytest.mark.usefixtures("database_kind", "user_id")
LOOPBACK = "http://127.0.0.1/callback"


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, registration_token=INITIAL_TOKEN)


def query(client_id: str, redirect_uri: str, challenge: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "read",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


UNSAFE_REDIRECT_URIS = (
    "https://evil.example@printer.example/cb",
    "https://printer.example\\@evil.example/cb",
    "https://bücher.example/cb",
    "http://printer.example/cb",
    "myapp:/cb",
    "vbscript:msgbox(1)",
    "https://printer.example/c\u2028b",
)


async def test_registration_refuses_unsafe_redirect_uris_and_names(auth_client: AuthClient) -> None:
    for uri in UNSAFE_REDIRECT_URIS:
        status, _, body = await register(auth_client, {**WEB_APP, "redirect_uris": [uri]})
        assert (status, body["error"]) == (400, "invalid_redirect_uri"), uri
    for name in ("Printer\u202egnp.exe", "Printer\u2028Bank", "Printer\x1b[31m"):
        status, _, body = await register(auth_client, {**WEB_APP, "client_name": name})
        assert (status, body["error"]) == (400, "invalid_client_metadata"), name


async def test_registered_names_are_nfkc_normalised(auth_client: AuthClient) -> None:
    status, _, body = await register(auth_client, {**WEB_APP, "client_name": "\uff30rinter"})
    assert (status, body["client_name"]) == (201, "Printer")


async def test_a_loopback_ip_redirect_uri_matches_any_port(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(redirect_uris=(LOOPBACK,), scope=("read",))
    verifier, challenge = pkce_pair()
    given = "http://127.0.0.1:53117/callback"
    browser = Browser(auth_client)
    login = await browser.open("/authorize", **query(client.client_id, given, challenge))
    assert login.status == 200, login.html
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert "You will be sent back to 127.0.0.1." in consent.html
    done = await browser.submit(consent, decision="approve")
    assert (done.location or "").startswith(given + "?")
    form = {"grant_type": "authorization_code", "redirect_uri": given, "code_verifier": verifier}
    form["code"] = redirect_params(done.location or "")["code"]
    status, _, body = await post_token(auth_client, form, client)
    assert status == 200, body


async def test_localhost_is_matched_exactly(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(redirect_uris=("http://localhost/callback",))
    _, challenge = pkce_pair()
    given = "http://localhost:53117/callback"
    page = await Browser(auth_client).open(
        "/authorize", **query(client.client_id, given, challenge)
    )
    assert (page.status, page.location) == (400, None)


async def registered_itself(http: AuthClient) -> Registered:
    metadata: dict[str, Any] = {**WEB_APP, "token_endpoint_auth_method": "none"}
    status, _, body = await register(http, metadata)
    assert status == 201, body
    return Registered(body["client_id"], None)


async def test_a_self_registered_client_gets_no_error_redirect_before_sign_in(
    auth_client: AuthClient,
) -> None:
    client = await registered_itself(auth_client)
    redirect_uri = WEB_APP["redirect_uris"][0]
    _, challenge = pkce_pair()
    bad = query(client.client_id, redirect_uri, challenge, scope="admin")
    page = await Browser(auth_client).open("/authorize", **bad)
    assert (page.status, page.location) == (400, None)
    assert "cannot continue" in page.html


async def test_a_self_registered_client_gets_error_redirects_once_signed_in(
    auth_client: AuthClient,
) -> None:
    client = await registered_itself(auth_client)
    redirect_uri = WEB_APP["redirect_uris"][0]
    _, challenge = pkce_pair()
    browser = Browser(auth_client)
    login = await browser.open("/authorize", **query(client.client_id, redirect_uri, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert "You will be sent back to printer.example." in consent.html
    denied = await browser.submit(consent, decision="deny")
    assert redirect_params(denied.location or "")["error"] == "access_denied"
    bad = query(client.client_id, redirect_uri, challenge, scope="admin")
    page = await browser.open("/authorize", **bad)
    assert redirect_params(page.location or "")["error"] == "invalid_scope"
