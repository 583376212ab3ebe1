"""Helpers that speak the device flow (RFC 8628) as a device and as a person do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import encode_basic_auth
from playwright.async_api import async_playwright

from auth_server.appkeys import DATABASE
from tests.auth_server.browser import CHROMIUM, CHROMIUM_ARGS, Browser, Page
from tests.auth_server.conftest import PASSWORD, AuthClient, Registered
from tests.auth_server.flows import endpoint, post_token

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


def credentials(client: Registered, form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(form, headers): a public client names itself, a confidential one uses HTTP Basic."""
    if client.client_secret is None:
        return {**form, "client_id": client.client_id}, {}
    return form, {"Authorization": encode_basic_auth(client.client_id, client.client_secret)}


async def request_codes(
    http: AuthClient, client: Registered, **extra: str
) -> tuple[int, dict[str, str], Any]:
    """POST to the device authorization endpoint found in the metadata."""
    form, headers = credentials(client, extra)
    path = await endpoint(http, "device_authorization_endpoint")
    response = await http.post(path, data=form, headers=headers)
    assert response.content_type == "application/json"
    return response.status, dict(response.headers), await response.json()


async def start(http: AuthClient, client: Registered, **extra: str) -> dict[str, Any]:
    """A device's codes; the request must succeed."""
    status, _, body = await request_codes(http, client, **extra)
    assert status == 200, body
    return dict(body)


async def poll(
    http: AuthClient, client: Registered, device_code: str, resource: str | None = None
) -> tuple[int, Any]:
    """One poll of the token endpoint with the device code (and a `resource`)."""
    fields = {"grant_type": DEVICE_CODE, "device_code": device_code}
    form, headers = credentials(client, fields | ({"resource": resource} if resource else {}))
    if headers:
        status, _, body = await post_token(http, form, client)
    else:
        status, _, body = await post_token(http, form)
    return status, body


async def let_time_pass(http: AuthClient, seconds: int) -> None:
    """Move every device code's clock back by `seconds`: its last poll and its expiry."""
    await http.app[DATABASE].execute(
        "UPDATE device_codes SET last_polled_ms = last_polled_ms - $1,"
        " expires_at = expires_at - $2, created_at = created_at - $2",
        seconds * 1000,
        seconds,
    )


async def enter_code(browser: Browser, user_code: str) -> Page:
    """The person types the code into the verification page's form (a GET) and sends it."""
    return await browser.open("/device", user_code=user_code, step="code")


async def sign_in_and_decide(browser: Browser, user_code: str, decision: str = "approve") -> Page:
    """Enter the code, sign in as alice, and approve or deny; return the last page."""
    login = await enter_code(browser, user_code)
    assert login.status == 200, login.html
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert consent.status == 200, consent.html
    done = await browser.submit(consent, decision=decision)
    assert done.status == 200, done.html
    return done


async def connect_in_chromium(verification_uri: str, user_code: str, screenshot: Path) -> str:
    """A person on a phone-sized Chromium page types the code (lower case, no dash), signs in
    as alice and approves; return the consent page's HTML."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        await page.goto(verification_uri)
        assert await page.title() == "Connect a device"
        await page.fill("#user_code", user_code.lower().replace("-", ""))
        await page.click("button[type=submit]")
        await page.wait_for_selector("#password")
        await page.fill("#username", "alice")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("button[value=approve]")
        consent = await page.content()
        await page.screenshot(path=str(screenshot))
        await page.click("button[value=approve]")
        await page.wait_for_selector("text=Device connected")
        await browser.close()
    return consent
