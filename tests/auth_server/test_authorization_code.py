"""The authorization code flow with PKCE, through the real pages, as a person and an app would."""

from __future__ import annotations

import pytest

from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import (
    ISSUER,
    PASSWORD,
    REDIRECT_URI,
    AuthClient,
    RegisterClient,
    Registered,
)
from tests.auth_server.flows import authorize_query, post_token, redeem, sign_in_and_approve, verify

pytestmark = pytest.mark.usefixtures("database_kind")


@pytest.mark.usefixtures("user_id")
async def test_login_page_then_consent_then_code(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    assert login.status == 200
    assert "Photo Printer" in login.html
    assert {"username", "password", "csrf_token"} <= set(login.form.fields)
    assert login.form.method.lower() == "post"

    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert consent.status == 200
    assert "Photo Printer" in consent.html
    assert "read" in consent.html
    assert consent.form.buttons["decision"] == ["approve", "deny"]
    cookie = auth_client.session.cookie_jar.filter_cookies(auth_client.make_url("/"))
    assert "oauth_session" in cookie

    done = await browser.submit(consent, decision="approve")
    assert done.status == 303
    assert (done.location or "").startswith(REDIRECT_URI + "?")
    params = redirect_params(done.location or "")
    assert params["state"] == "s-123"
    assert params["iss"] == ISSUER
    assert len(params["code"]) >= 22


async def test_code_gets_tokens_for_the_user(
    auth_client: AuthClient, web_client: Registered, user_id: str
) -> None:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    status, body = await redeem(auth_client, web_client, code, verifier)
    assert status == 200, body
    assert body["scope"] == "read"
    assert body["refresh_token"]
    claims = await verify(auth_client, body["access_token"])
    assert claims["sub"] == user_id
    assert claims["client_id"] == web_client.client_id
    assert claims["scope"] == "read"
    assert isinstance(claims["auth_time"], int)


@pytest.mark.usefixtures("user_id")
async def test_consent_is_remembered_and_prompt_consent_forces_it(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    await sign_in_and_approve(browser, web_client)
    _, challenge = pkce_pair()
    again = await browser.open("/authorize", **authorize_query(web_client, challenge))
    assert again.status == 303
    assert "code" in redirect_params(again.location or "")
    # RFC 9700 §2.1.1: every request has a fresh challenge (a reused one is refused).
    _, challenge = pkce_pair()
    forced = await browser.open(
        "/authorize", **authorize_query(web_client, challenge, prompt="consent")
    )
    assert forced.status == 200
    assert forced.form.buttons["decision"] == ["approve", "deny"]
    wider = await browser.open(
        "/authorize", **authorize_query(web_client, challenge, scope="read write")
    )
    assert wider.status == 200  # a scope not yet granted asks again


@pytest.mark.usefixtures("user_id")
async def test_session_cookie_attributes(auth_client: AuthClient, web_client: Registered) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    form = {**login.form.fields, "username": "alice", "password": PASSWORD}
    response = await auth_client.post(login.url, data=form, allow_redirects=False)
    (header,) = [h for h in response.headers.getall("Set-Cookie") if h.startswith("oauth_session=")]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "samesite"} <= attributes
    assert "samesite=lax" in header.lower()
    assert "secure" not in attributes  # the test issuer is http


@pytest.mark.usefixtures("user_id")
async def test_deny_sends_access_denied(auth_client: AuthClient, web_client: Registered) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    denied = await browser.submit(consent, decision="deny")
    assert denied.status == 303
    params = redirect_params(denied.location or "")
    assert params["error"] == "access_denied"
    assert (params["state"], params["iss"]) == ("s-123", ISSUER)
    assert "code" not in params


async def test_public_client_uses_only_its_id_and_verifier(
    auth_client: AuthClient, register_client: RegisterClient, user_id: str
) -> None:
    spa = await register_client(name="SPA", public=True, redirect_uris=(REDIRECT_URI,))
    code, verifier = await sign_in_and_approve(Browser(auth_client), spa)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": spa.client_id,
    }
    status, _, body = await post_token(auth_client, form)
    assert status == 200, body
    assert (await verify(auth_client, body["access_token"]))["sub"] == user_id


async def test_resource_in_the_authorization_request_sets_the_audience(
    auth_client: AuthClient, register_client: RegisterClient, user_id: str
) -> None:
    client = await register_client(
        redirect_uris=(REDIRECT_URI,), audiences=("https://api.example", "https://b.example")
    )
    code, verifier = await sign_in_and_approve(
        Browser(auth_client), client, resource="https://b.example"
    )
    status, body = await redeem(auth_client, client, code, verifier)
    assert status == 200, body
    await verify(auth_client, body["access_token"], audience="https://b.example")
