"""The verification page (RFC 8628 §3.3): the person's side, and the wrong-code throttle."""

from __future__ import annotations

import asyncio

from auth_server.device.throttle import LIMIT
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import ISSUER, PASSWORD, AuthClient, Registered
from tests.auth_server.device.flow import enter_code, sign_in_and_decide, start


async def test_the_page_asks_for_the_code_with_a_get_form(auth_client: AuthClient) -> None:
    page = await Browser(auth_client).open("/device")
    assert page.status == 200
    assert page.form.method == "get"
    assert "user_code" in page.form.fields
    assert 'name="viewport"' in page.html  # usable on a phone


async def test_the_code_is_taken_in_any_case_with_or_without_the_dash(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    for typed in (str.lower, lambda code: code.replace("-", ""), lambda code: f" {code} "):
        user_code = (await start(auth_client, tv_client))["user_code"]
        login = await enter_code(Browser(auth_client), typed(user_code))
        assert login.status == 200, login.html
        assert "Sign in" in login.html
        assert "Living Room TV" in login.html


async def test_the_consent_page_names_client_scopes_code_and_warns(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    user_code = (await start(auth_client, tv_client, scope="read write"))["user_code"]
    browser = Browser(auth_client)
    login = await enter_code(browser, user_code)
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert consent.status == 200
    for shown in ("Living Room TV", "read", "write", user_code, "in front of you"):
        assert shown in consent.html
    assert set(consent.form.buttons["decision"]) == {"approve", "deny"}
    done = await browser.submit(consent, decision="approve")
    assert "Device connected" in done.html


async def test_a_signed_in_person_goes_straight_to_consent_every_time(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    browser = Browser(auth_client)
    await sign_in_and_decide(browser, (await start(auth_client, tv_client))["user_code"])
    # RFC 8628 §5.4: approval is never remembered; the next device is asked about again.
    consent = await enter_code(browser, (await start(auth_client, tv_client))["user_code"])
    assert consent.status == 200
    assert "in front of you" in consent.html


async def test_a_decided_or_wrong_code_is_not_accepted(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    browser = Browser(auth_client)
    user_code = (await start(auth_client, tv_client))["user_code"]
    await sign_in_and_decide(browser, user_code)
    for code in (user_code, "BCDF-GHJK", "not a code"):
        page = await enter_code(browser, code)
        assert page.status == 400
        assert "not valid" in page.html


async def test_forms_need_their_csrf_token_and_a_decision(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    browser = Browser(auth_client)
    login = await enter_code(browser, (await start(auth_client, tv_client))["user_code"])
    refused = await browser.submit(login, username="alice", password=PASSWORD, csrf_token="x")
    assert refused.status == 400
    wrong = await browser.submit(login, username="alice", password="wrong")
    assert wrong.status == 401
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert (await browser.submit(consent, decision="approve", csrf_token="x")).status == 400
    assert (await browser.submit(consent, decision="maybe")).status == 400


async def test_wrong_codes_are_throttled_per_address(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    user_code = (await start(auth_client, tv_client))["user_code"]
    browser = Browser(auth_client)
    for _ in range(3):  # right codes are not held against the address
        assert (await enter_code(browser, user_code)).status == 200
    # Counted before the lookup: guesses sent at once cannot pass the limit together.
    pages = await asyncio.gather(*(enter_code(browser, "BCDF-GHJK") for _ in range(LIMIT + 5)))
    assert sorted(page.status for page in pages) == [400] * LIMIT + [429] * 5
    page = await enter_code(browser, user_code)  # now even the right code waits
    assert page.status == 429
    assert "Too many wrong codes" in page.html
    response = await auth_client.get("/device", params={"user_code": user_code, "step": "code"})
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


async def test_the_complete_uri_shows_the_code_to_confirm_and_counts_nothing(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    codes = await start(auth_client, tv_client)
    browser = Browser(auth_client)
    for _ in range(LIMIT + 1):  # links opened are not guesses
        page = await browser.open(codes["verification_uri_complete"].removeprefix(ISSUER))
        assert page.status == 200
        assert page.form.fields["user_code"] == codes["user_code"]
    login = await browser.submit(page)
    assert 'name="password"' in login.html
