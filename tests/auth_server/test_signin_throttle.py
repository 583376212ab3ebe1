"""Failed sign-ins are counted before the password is checked, per (username, address) and per
address, in the database: parallel guesses cannot pass the limit, replicas share the counts,
and nobody is locked out from another address."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import ClientSession
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from auth_server.appkeys import USERS
from auth_server.signin.throttle import IN_FLIGHT_PER_ADDRESS
from tests.auth_server.browser import Browser, Page, pkce_pair
from tests.auth_server.conftest import PASSWORD, AuthClient, Registered
from tests.auth_server.flows import authorize_query

pytestmark = pytest.mark.usefixtures("database_kind", "user_id")


async def login_page(browser: Browser, client: Registered) -> Page:
    _, challenge = pkce_pair()
    page = await browser.open("/authorize", **authorize_query(client, challenge))
    assert page.status == 200
    return page


async def test_thirty_parallel_guesses_check_at_most_five_passwords(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    login = await login_page(browser, web_client)
    guesses = [browser.submit(login, username="alice", password=f"guess {n}") for n in range(30)]
    pages = await asyncio.gather(*guesses)
    statuses = [page.status for page in pages]
    assert statuses.count(401) <= 5  # each 401 is one password checked
    assert statuses.count(401) + statuses.count(429) == 30
    checked = statuses.count(401)
    while (await browser.submit(login, username="alice", password="again")).status == 401:
        checked += 1
    assert checked == 5  # and not one more, the right password included
    assert (await browser.submit(login, username="alice", password=PASSWORD)).status == 429


async def test_failures_from_one_address_do_not_lock_out_another(
    auth_client: AuthClient, web_client: Registered, second_address: ClientSession
) -> None:
    attacker = Browser(auth_client)
    login = await login_page(attacker, web_client)
    for _ in range(5):
        assert (await attacker.submit(login, username="alice", password="wrong")).status == 401
    refused = await attacker.submit(login, username="alice", password=PASSWORD)
    assert refused.status == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    alice = Browser(second_address)
    consent = await alice.submit(
        await login_page(alice, web_client), password=PASSWORD, username="alice"
    )
    assert consent.status == 200
    assert "decision" in consent.form.buttons


async def test_successful_sign_ins_use_up_no_allowance(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    login = await login_page(browser, web_client)
    for _ in range(4):
        assert (await browser.submit(login, username="alice", password="wrong")).status == 401
    for _ in range(21):  # more than the address's 20: successes are given back
        assert (await browser.submit(login, username="alice", password=PASSWORD)).status == 200
    for _ in range(5):  # the success cleared the pair's four failures
        assert (await browser.submit(login, username="alice", password="wrong")).status == 401
    assert (await browser.submit(login, username="alice", password="wrong")).status == 429


async def test_the_counts_hold_across_replicas(
    aiohttp_client: AiohttpClient,
    auth_client: AuthClient,
    auth_settings: Settings,
    web_client: Registered,
) -> None:
    replica = Browser(await aiohttp_client(create_app(auth_settings)))
    first = Browser(auth_client)
    for browser in (first, replica, first, replica, first):
        page = await browser.submit(
            await login_page(browser, web_client), username="alice", password="x"
        )
        assert page.status == 401
    page = await replica.submit(
        await login_page(replica, web_client), username="alice", password=PASSWORD
    )
    assert page.status == 429


async def test_one_address_has_few_password_checks_in_flight(
    auth_client: AuthClient, web_client: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = auth_client.app[USERS]
    authenticate = users.authenticate
    running, most = 0, 0

    async def counted(*args: Any) -> Any:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.05)  # a slow hash: the checks overlap
            return await authenticate(*args)
        finally:
            running -= 1

    monkeypatch.setattr(users, "authenticate", counted)
    browser = Browser(auth_client)
    login = await login_page(browser, web_client)
    pages = await asyncio.gather(
        *(browser.submit(login, username=f"user{n}", password="guess") for n in range(12))
    )
    assert most <= IN_FLIGHT_PER_ADDRESS
    assert {page.status for page in pages} <= {401, 429}
    assert any(page.status == 429 for page in pages)
