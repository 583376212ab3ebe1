"""Authorization requests as OpenID Connect has them (Core §3.1.2.1, §3.1.2.6): by POST,
`max_age`, `prompt=login|none|consent`, `login_hint`; `prompt=none` never shows a page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from auth_server.appkeys import DATABASE, USERS
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import ISSUER, PASSWORD, AuthClient, Registered
from tests.auth_server.flows import authorize_query
from tests.auth_server.oidc.signin import authorize, id_token_claims, signed_in

pytestmark = pytest.mark.usefixtures("database_kind")


async def silent(browser: Browser, client: Registered, **extra: str) -> dict[str, str]:
    """A `prompt=none` request: always a redirect, never a page."""
    page, _ = await authorize(browser, client, prompt="none", **extra)
    assert page.status == 303, page.html
    return redirect_params(page.location or "")


async def test_an_authorization_request_may_be_posted_as_a_form(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    _, challenge = pkce_pair()
    form = authorize_query(relying_party, challenge, scope="openid", nonce="n1")
    posted = await auth_client.post("/authorize", data=form, allow_redirects=False)
    assert posted.status == 303
    location = posted.headers["Location"]
    assert urlsplit(location).path == "/authorize"
    assert redirect_params(location) == form  # the same request, by GET
    login = await Browser(auth_client).open(location)
    assert login.status == 200
    assert "password" in login.form.fields


@pytest.mark.parametrize("body", [b"", b'{"client_id": "x"}'])
async def test_a_posted_request_that_is_no_form_gets_our_error_page(
    auth_client: AuthClient, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"} if body else {}
    posted = await auth_client.post("/authorize", data=body, headers=headers)
    assert (posted.status, posted.content_type) == (400, "text/html")


async def test_prompt_none_without_a_session_is_login_required(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    params = await silent(Browser(auth_client), relying_party)
    assert params["error"] == "login_required"
    assert (params["state"], params["iss"]) == ("s-123", ISSUER)


async def test_prompt_none_without_consent_is_consent_required_then_a_code_once_given(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser = Browser(auth_client)
    page, _ = await authorize(browser, relying_party, scope="openid")
    consent = await browser.submit(page, username="alice", password=PASSWORD)
    assert consent.status == 200  # signed in, consent not given yet
    assert (await silent(browser, relying_party, scope="openid"))["error"] == "consent_required"
    await browser.submit(consent, decision="approve")
    assert "code" in await silent(browser, relying_party, scope="openid")


async def test_prompt_none_for_someone_else_than_login_hint_is_interaction_required(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    await auth_client.app[USERS].create("bob", PASSWORD)
    browser = Browser(auth_client)
    await signed_in(auth_client, relying_party, browser)
    params = await silent(browser, relying_party, login_hint="bob")
    assert params["error"] == "interaction_required"
    assert "code" in await silent(browser, relying_party, login_hint="Alice")


async def test_login_hint_fills_in_the_username(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    page, _ = await authorize(Browser(auth_client), relying_party, login_hint="alice")
    assert page.form.fields["username"] == "alice"


async def test_max_age_asks_for_a_fresh_sign_in_when_the_last_is_older(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser = Browser(auth_client)
    await signed_in(auth_client, relying_party, browser)
    await auth_client.app[DATABASE].execute(
        "UPDATE browser_sessions SET auth_time = auth_time - 100"
    )  # signed in 100 s ago
    assert "code" in await silent(browser, relying_party, max_age="300")
    assert (await silent(browser, relying_party, max_age="60"))["error"] == "login_required"
    page, _ = await authorize(browser, relying_party, max_age="60")
    assert "password" in page.form.fields
    body = await signed_in(auth_client, relying_party, browser, max_age="60")
    _, claims = await id_token_claims(auth_client, body["id_token"], relying_party)
    assert claims["iat"] - claims["auth_time"] <= 5  # the fresh sign-in's time


async def test_prompt_login_shows_the_login_page_to_a_signed_in_person(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser = Browser(auth_client)
    await signed_in(auth_client, relying_party, browser)
    page, _ = await authorize(browser, relying_party, prompt="login")
    assert "password" in page.form.fields


@pytest.mark.parametrize("extra", [{"max_age": "-1"}, {"max_age": "soon"}, {"nonce": "n" * 513}])
async def test_malformed_openid_parameters_go_back_as_invalid_request(
    auth_client: AuthClient, relying_party: Registered, extra: dict[str, str]
) -> None:
    page, _ = await authorize(Browser(auth_client), relying_party, **extra)
    assert page.status == 303
    assert redirect_params(page.location or "")["error"] == "invalid_request"
