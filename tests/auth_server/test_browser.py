"""A real browser (Debian's Chromium, headless, driven by Playwright) signs in and consents."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import web
from playwright.async_api import async_playwright
from pytest_aiohttp import AiohttpServer

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENTS, SETTINGS, USERS
from auth_server.clients.policy import new_client
from tests.auth_server.browser import CHROMIUM, CHROMIUM_ARGS, pkce_pair


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
async def test_a_person_signs_in_and_approves_in_chromium(
    aiohttp_server: AiohttpServer, auth_settings: Settings, tmp_path: Path
) -> None:
    received: list[dict[str, str]] = []

    async def callback(request: web.Request) -> web.Response:
        received.append(dict(request.query))
        return web.Response(text="the app got its code")

    app_server = web.Application()
    app_server.router.add_get("/callback", callback)
    client_app = await aiohttp_server(app_server)
    redirect_uri = str(client_app.make_url("/callback"))

    auth = await aiohttp_server(create_app(dataclasses.replace(auth_settings)))
    await auth.app[USERS].create("alice", "correct horse battery")
    request = new_client(
        name="Photo Printer",
        redirect_uris=(redirect_uri,),
        server_scopes=auth.app[SETTINGS].scopes,
    )
    client, _ = await auth.app[CLIENTS].create(request)
    _, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": "read",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        await page.goto(str(auth.make_url("/authorize")) + "?" + urlencode(query))
        assert await page.title() == "Sign in"
        await page.fill("#username", "alice")
        await page.fill("#password", "correct horse battery")
        await page.click("button[type=submit]")
        await page.wait_for_selector("text=Allow")
        assert "Photo Printer" in await page.content()
        await page.screenshot(path=str(tmp_path / "consent.png"))
        await page.click("button[value=approve]")
        await page.wait_for_url(redirect_uri + "?*")
        await browser.close()

    (params,) = received
    assert params["state"] == "xyz"
    assert params["iss"] == auth_settings.issuer
    assert len(params["code"]) >= 22
