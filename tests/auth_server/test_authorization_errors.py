"""Every way an authorization request can fail, and where the error is shown."""

from __future__ import annotations

import pytest

from auth_server.appkeys import DATABASE, USERS
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import (
    ISSUER,
    PASSWORD,
    REDIRECT_URI,
    AuthClient,
    RegisterClient,
    Registered,
)
from tests.auth_server.flows import authorize_query, post_token, redeem, sign_in_and_approve

pytestmark = pytest.mark.usefixtures("database_kind", "user_id")


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "no-such-client"},
        {"client_id": ""},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT_URI + "/"},  # exact match only
        {"redirect_uri": REDIRECT_URI.upper()},
        {"redirect_uri": ""},  # two are registered: which one?
    ],
)
async def test_bad_client_or_redirect_uri_shows_our_page_and_never_redirects(
    auth_client: AuthClient, web_client: Registered, change: dict[str, str]
) -> None:
    _, challenge = pkce_pair()
    query = {**authorize_query(web_client, challenge), **change}
    page = await Browser(auth_client).open("/authorize", **query)
    assert page.status == 400
    assert page.location is None
    assert "cannot continue" in page.html
    assert "text/html" in (await auth_client.get("/authorize")).headers["Content-Type"]


async def test_repeated_client_id_is_not_trusted(
    auth_client: AuthClient, web_client: Registered
) -> None:
    _, challenge = pkce_pair()
    query = authorize_query(web_client, challenge)
    url = "/authorize?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = await auth_client.get(url + f"&client_id={web_client.client_id}")
    assert response.status == 400
    assert "Location" not in response.headers


async def test_values_are_escaped_on_pages(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(name="<script>alert(1)</script>", redirect_uris=(REDIRECT_URI,))
    _, challenge = pkce_pair()
    page = await Browser(auth_client).open("/authorize", **authorize_query(client, challenge))
    assert "<script>alert(1)</script>" not in page.html
    assert "&lt;script&gt;" in page.html


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code token"}, "unsupported_response_type"),
        ({"response_type": ""}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"resource": "https://elsewhere.example"}, "invalid_target"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
async def test_errors_after_a_good_redirect_uri_go_back_to_the_client(
    auth_client: AuthClient, web_client: Registered, change: dict[str, str], error: str
) -> None:
    _, challenge = pkce_pair()
    query = {**authorize_query(web_client, challenge), **change}
    page = await Browser(auth_client).open("/authorize", **query)
    assert page.status == 303
    assert (page.location or "").startswith(REDIRECT_URI + "?")
    params = redirect_params(page.location or "")
    assert params["error"] == error
    assert (params["state"], params["iss"]) == ("s-123", ISSUER)


async def test_client_without_the_code_grant_is_unauthorized_client(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    client = await register_client(
        grant_types=("client_credentials",), redirect_uris=(REDIRECT_URI,)
    )
    _, challenge = pkce_pair()
    page = await Browser(auth_client).open("/authorize", **authorize_query(client, challenge))
    assert redirect_params(page.location or "")["error"] == "unauthorized_client"


async def test_prompt_none_without_consent_is_consent_required(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    await sign_in_and_approve(browser, web_client)
    _, challenge = pkce_pair()
    query = authorize_query(web_client, challenge, scope="read write", prompt="none")
    page = await browser.open("/authorize", **query)
    assert redirect_params(page.location or "")["error"] == "consent_required"


async def test_wrong_password_is_shown_and_counted(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    page = login
    for _ in range(5):
        page = await browser.submit(login, username="alice", password="wrong password")
        assert page.status == 401
        assert "Wrong username or password" in page.html
    throttled = await browser.submit(login, username="alice", password=PASSWORD)
    assert throttled.status == 429  # even the right password waits now
    assert "Too many failed sign-ins" in throttled.html


async def test_failures_from_one_address_are_throttled_across_accounts(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    for attempt in range(20):
        page = await browser.submit(login, username=f"user{attempt}", password="guess-guess")
        assert page.status == 401
    assert (await browser.submit(login, username="alice", password=PASSWORD)).status == 429


async def test_unknown_user_looks_like_a_wrong_password(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    page = await browser.submit(login, username="mallory", password=PASSWORD)
    assert page.status == 401
    assert "Wrong username or password" in page.html


async def test_disabled_user_cannot_sign_in(
    auth_client: AuthClient, web_client: Registered
) -> None:
    await auth_client.app[USERS].set_disabled("alice", True)
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    assert (await browser.submit(login, username="alice", password=PASSWORD)).status == 401


async def test_login_without_csrf_token_is_refused(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    page = await browser.submit(login, username="alice", password=PASSWORD, csrf_token="")
    assert page.status == 400
    assert "oauth_session" not in str(auth_client.session.cookie_jar.filter_cookies(
        auth_client.make_url("/")
    ))  # fmt: skip


async def test_consent_token_is_bound_to_its_request(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    # The same form posted for a wider request (scope read write) must not pass.
    wider = authorize_query(web_client, challenge, scope="read write")
    url = "/authorize?" + "&".join(f"{k}={v.replace(' ', '+')}" for k, v in wider.items())
    data = {**consent.form.fields, "decision": "approve"}
    response = await auth_client.post(url, data=data, allow_redirects=False)
    assert response.status == 400
    assert "Location" not in response.headers


async def test_consent_from_another_browser_is_refused(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    jar = auth_client.session.cookie_jar
    url = auth_client.make_url("/")
    session = jar.filter_cookies(url)["oauth_session"].value
    jar.clear()
    jar.update_cookies({"oauth_session": session, "oauth_browser": "x" * 43}, response_url=url)
    page = await browser.submit(consent, decision="approve")
    assert page.status == 400
    assert page.location is None


async def test_consent_with_the_login_forms_token_is_refused(
    auth_client: AuthClient, web_client: Registered
) -> None:
    browser = Browser(auth_client)
    _, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    token = login.form.fields["csrf_token"]
    page = await browser.submit(consent, decision="approve", csrf_token=token)
    assert page.status == 400


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"code_verifier": "wrong-" * 10}, "wrong verifier"),
        ({"code_verifier": ""}, "missing verifier"),
        ({"redirect_uri": "https://app.example/other"}, "other redirect_uri"),
        ({"redirect_uri": ""}, "missing redirect_uri"),
        ({"code": "not-a-code"}, "unknown code"),
    ],
)
async def test_token_request_must_match_the_code(
    auth_client: AuthClient, web_client: Registered, change: dict[str, str], description: str
) -> None:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    form = {"code": code, "code_verifier": verifier} | change
    status, body = await redeem(
        auth_client, web_client, form.pop("code"), form.pop("code_verifier"), **form
    )
    assert (status, body["error"]) == (400, "invalid_grant"), description
    # A failed attempt does not burn the code for its rightful client.
    assert (await redeem(auth_client, web_client, code, verifier))[0] == 200


async def test_code_of_another_client_is_invalid_grant(
    auth_client: AuthClient, web_client: Registered, register_client: RegisterClient
) -> None:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    thief = await register_client(redirect_uris=(REDIRECT_URI,))
    status, body = await redeem(auth_client, thief, code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_expired_code_is_invalid_grant(
    auth_client: AuthClient, web_client: Registered
) -> None:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    await auth_client.app[DATABASE].execute("UPDATE authorization_codes SET expires_at = 0")
    status, body = await redeem(auth_client, web_client, code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_reused_code_fails_and_revokes_what_it_produced(
    auth_client: AuthClient, web_client: Registered
) -> None:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    status, first = await redeem(auth_client, web_client, code, verifier)
    assert status == 200
    status, again = await redeem(auth_client, web_client, code, verifier)
    assert (status, again["error"]) == (400, "invalid_grant")
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    status, _, body = await post_token(auth_client, refresh, web_client)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_unauthenticated_confidential_client_cannot_redeem(
    auth_client: AuthClient, web_client: Registered
) -> None:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": web_client.client_id,
    }
    status, _, body = await post_token(auth_client, form)
    assert (status, body["error"]) == (401, "invalid_client")
