"""The official MCP Python SDK's OAuth client (the `mcp` package, on httpx) gets a token for
the resource server from the set-up `make run` starts, with no prior configuration."""

from __future__ import annotations

import httpx2
from aiohttp import ClientSession, CookieJar
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl
from pytest_aiohttp import AiohttpServer

from auth_server.appkeys import USERS
from tests.auth_server.browser import redirect_params
from tests.auth_server.conftest import PASSWORD
from tests.resource_server import agent
from tests.resource_server.conftest import McpSetup


class MemoryStorage:
    """The SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


async def test_the_mcp_sdk_gets_a_working_token(
    mcp_setup: McpSetup, aiohttp_server: AiohttpServer
) -> None:
    await mcp_setup.issuer.app[USERS].create("alice", PASSWORD)
    redirect_uri = await agent.LoopbackCallback().start(aiohttp_server)
    locations: list[str] = []
    storage = MemoryStorage()
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:

        async def open_browser(authorization_url: str) -> None:
            locations.append(await agent.sign_in(browser, authorization_url))

        async def wait_for_callback() -> AuthorizationCodeResult:
            params = redirect_params(locations[-1])
            return AuthorizationCodeResult(
                code=params["code"], state=params.get("state"), iss=params.get("iss")
            )

        account = f"{mcp_setup.resource}/account"
        provider = OAuthClientProvider(
            server_url=account,
            client_metadata=OAuthClientMetadata(
                client_name="MCP SDK agent",
                redirect_uris=[AnyUrl(redirect_uri)],
                grant_types=["authorization_code", "refresh_token"],
                token_endpoint_auth_method="none",
            ),
            storage=storage,
            redirect_handler=open_browser,
            callback_handler=wait_for_callback,
        )
        async with httpx2.AsyncClient(auth=provider) as http:
            response = await http.get(account)
    assert response.status_code == 200, response.text
    assert storage.client is not None
    assert response.json()["client_id"] == storage.client.client_id
    assert locations[0].startswith(redirect_uri)
