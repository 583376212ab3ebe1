"""oauthlib's RFC 8628 client (`DeviceClient`) gets a token from this server: its requests
and its reading of our answers, with a person approving while it polls."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest
from oauthlib.oauth2 import DeviceClient, OAuth2Error

from tests.auth_server.browser import Browser
from tests.auth_server.conftest import ISSUER, AuthClient, Registered
from tests.auth_server.device.flow import sign_in_and_decide
from tests.auth_server.flows import verify

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def device_program(
    http: AuthClient, client: DeviceClient, shown: asyncio.Queue[str]
) -> dict[str, Any]:
    """What a command-line tool does: ask for codes, show the user code, poll (showing each
    answer) until it has a token."""
    metadata = await (await http.get("/.well-known/oauth-authorization-server")).json()
    request_uri = client.prepare_request_uri(metadata["device_authorization_endpoint"], "read")
    parts = urlsplit(request_uri)  # oauthlib puts the request's fields in the query
    codes = await (await http.post(parts.path, data=parts.query, headers=FORM)).json()
    await shown.put(codes["user_code"])
    token_path = metadata["token_endpoint"].removeprefix(ISSUER)
    for _ in range(10):
        await asyncio.sleep(codes["interval"])
        body = client.prepare_request_body(codes["device_code"], include_client_id=True)
        response = await http.post(token_path, data=body, headers=FORM)
        try:
            token: dict[str, Any] = client.parse_request_body_response(await response.text())
            return token
        except OAuth2Error as exc:
            await shown.put(exc.error)
            if exc.error != "authorization_pending":
                raise
    raise AssertionError("no token after ten polls")


async def test_oauthlib_device_client_gets_a_token(
    auth_client: AuthClient,
    tv_client: Registered,
    user_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the test issuer is plain http
    shown: asyncio.Queue[str] = asyncio.Queue()
    device = DeviceClient(tv_client.client_id)
    program = asyncio.create_task(device_program(auth_client, device, shown))
    user_code = await asyncio.wait_for(shown.get(), timeout=5)
    assert await asyncio.wait_for(shown.get(), timeout=5) == "authorization_pending"
    await sign_in_and_decide(Browser(auth_client), user_code)
    token = await asyncio.wait_for(program, timeout=10)
    later = [shown.get_nowait() for _ in range(shown.qsize())]
    assert set(later) <= {"authorization_pending"}  # polled at its interval: no slow_down
    assert token["token_type"] == "Bearer"
    assert token["scope"] == ["read"]
    assert "refresh_token" in token
    claims = await verify(auth_client, token["access_token"])
    assert claims["sub"] == user_id
