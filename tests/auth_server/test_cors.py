"""CORS (SPEC "Native apps, MCP clients and browsers"): browser-based clients may call the
credential-less endpoints from any allowed origin; the authorization endpoint and pages never."""

from __future__ import annotations

import dataclasses

import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from tests.auth_server.conftest import AuthClient

APP = "https://agent.example"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "POST"}
ENDPOINTS = ["/.well-known/oauth-authorization-server", "/jwks.json", "/token", "/revoke"]


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_preflights_are_answered(auth_client: AuthClient, path: str) -> None:
    response = await auth_client.options(path, headers=PREFLIGHT)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_answers_and_errors_name_the_origin(auth_client: AuthClient) -> None:
    metadata = await auth_client.get(ENDPOINTS[0], headers={"Origin": APP})
    assert metadata.headers["Access-Control-Allow-Origin"] == "*"
    error = await auth_client.post(
        "/token", data={"grant_type": "password"}, headers={"Origin": APP}
    )
    assert error.status == 400
    assert error.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in error.headers


@pytest.mark.parametrize("path", ["/authorize", "/healthz"])
async def test_pages_never_carry_cors_headers(auth_client: AuthClient, path: str) -> None:
    for response in (
        await auth_client.get(path, headers={"Origin": APP}),
        await auth_client.options(path, headers=PREFLIGHT),
    ):
        assert not any(h.startswith("Access-Control-") for h in response.headers)


async def test_only_the_listed_origins_are_allowed(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    settings = dataclasses.replace(auth_settings, cors_origins=(APP,), registration="open")
    http = await aiohttp_client(create_app(settings))
    allowed = await http.options("/register", headers=PREFLIGHT)
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == APP
    assert allowed.headers["Vary"] == "Origin"
    other = await http.post("/register", json={}, headers={"Origin": "https://evil.example"})
    assert other.status == 400
    assert "Access-Control-Allow-Origin" not in other.headers
