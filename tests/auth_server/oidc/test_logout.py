"""RP-initiated logout (OpenID RP-Initiated Logout 1.0): with a valid `id_token_hint` the
session ends and the browser goes back to a registered `post_logout_redirect_uri` with
`state`; without one the person is asked and never redirected."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import ClientSession

from auth_server.appkeys import DATABASE, USERS
from tests.auth_server.browser import Browser, Page, redirect_params
from tests.auth_server.conftest import ISSUER, PASSWORD, AuthClient, Registered
from tests.auth_server.oidc.conftest import LOGOUT_URI
from tests.auth_server.oidc.signin import authorize, signed_in
from tests.relying_parties import bad_signature

pytestmark = pytest.mark.usefixtures("database_kind")


async def logout_path(http: AuthClient | ClientSession) -> str:
    metadata = await (await http.get("/.well-known/openid-configuration")).json()
    return str(metadata["end_session_endpoint"]).removeprefix(ISSUER)


async def sessions(http: AuthClient) -> int:
    return int(await http.app[DATABASE].fetchval("SELECT count(*) FROM browser_sessions"))


async def signed_in_browser(http: AuthClient, client: Registered) -> tuple[Browser, dict[str, Any]]:
    browser = Browser(http)
    return browser, await signed_in(http, client, browser)


async def still_signed_in(browser: Browser, client: Registered) -> bool:
    page, _ = await authorize(browser, client, prompt="none")
    return "code" in redirect_params(page.location or "")


async def test_a_valid_hint_ends_the_session_and_returns_with_state(
    auth_client: AuthClient, relying_party: Registered, alice: str, caplog: pytest.LogCaptureFixture
) -> None:
    browser, tokens = await signed_in_browser(auth_client, relying_party)
    query = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_URI}
    with caplog.at_level(logging.INFO, logger="audit"):
        page = await browser.open(await logout_path(auth_client), **query, state="bye")
    assert page.status == 303
    assert page.location == f"{LOGOUT_URI}?state=bye"
    assert await sessions(auth_client) == 0  # in the database: at every replica
    assert not await still_signed_in(browser, relying_party)
    audited = [vars(record) for record in caplog.records if record.name == "audit"]
    logouts = [(r["outcome"], r.get("user_id")) for r in audited if r["event"] == "logout"]
    assert logouts == [("success", alice)]
    assert tokens["id_token"] not in caplog.text


async def test_a_posted_logout_without_a_redirect_shows_the_signed_out_page(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser, tokens = await signed_in_browser(auth_client, relying_party)
    form = {"id_token_hint": tokens["id_token"], "client_id": relying_party.client_id}
    response = await auth_client.post(await logout_path(auth_client), data=form)
    assert response.status == 200
    assert "You are signed out" in await response.text()
    assert not await still_signed_in(browser, relying_party)


async def test_an_unregistered_redirect_is_refused_on_our_page_and_the_session_kept(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser, tokens = await signed_in_browser(auth_client, relying_party)
    for uri in ("https://evil.example/", LOGOUT_URI + "/", LOGOUT_URI.upper()):
        query = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": uri}
        page = await browser.open(await logout_path(auth_client), **query)
        assert (page.status, page.location) == (400, None)
    page = await browser.open(
        await logout_path(auth_client), id_token_hint=tokens["id_token"], client_id="another"
    )
    assert (page.status, page.location) == (400, None)
    assert await still_signed_in(browser, relying_party)


async def confirmation(browser: Browser, **query: str) -> Page:
    page = await browser.open(await logout_path(browser.http), **query)
    assert (page.status, page.location) == (200, None)
    assert page.form.buttons == {"decision": ["logout", "stay"]}
    return page


async def test_without_a_valid_hint_the_person_confirms_and_is_never_redirected(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser, tokens = await signed_in_browser(auth_client, relying_party)
    altered = bad_signature(tokens["id_token"])
    for hint in ({}, {"id_token_hint": altered}, {"id_token_hint": tokens["access_token"]}):
        await confirmation(browser, post_logout_redirect_uri=LOGOUT_URI, state="s", **hint)
        assert await still_signed_in(browser, relying_party)
    page = await confirmation(browser, post_logout_redirect_uri=LOGOUT_URI)
    stayed = await browser.submit(page, decision="stay")
    assert (stayed.status, stayed.location) == (200, None)
    assert await still_signed_in(browser, relying_party)
    done = await browser.submit(page, decision="logout")
    assert (done.status, done.location) == (200, None)
    assert "You are signed out" in done.html
    assert not await still_signed_in(browser, relying_party)


async def test_a_hint_for_someone_else_than_the_person_signed_in_asks_first(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    await auth_client.app[USERS].create("bob", PASSWORD)
    _, alices = await signed_in_browser(auth_client, relying_party)
    auth_client.session.cookie_jar.clear()  # another browser
    bobs_browser = Browser(auth_client)
    page, _ = await authorize(bobs_browser, relying_party)
    await bobs_browser.submit(page, username="bob", password=PASSWORD)
    await confirmation(bobs_browser, id_token_hint=alices["id_token"])
    assert await sessions(auth_client) == 2


async def test_a_confirmation_without_its_csrf_token_changes_nothing(
    auth_client: AuthClient, relying_party: Registered, alice: str
) -> None:
    browser, _ = await signed_in_browser(auth_client, relying_party)
    page = await confirmation(browser)
    forged = await browser.submit(page, decision="logout", csrf_token="forged")
    assert forged.status == 400
    assert await still_signed_in(browser, relying_party)
