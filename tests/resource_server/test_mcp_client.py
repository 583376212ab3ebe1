"""An MCP client with no prior configuration gets a token the resource server accepts, from
the set-up `make run` starts (SPEC "Discovery from a 401"), on both databases."""

from __future__ import annotations

import pytest
from aiohttp import ClientSession, CookieJar, web
from pytest_aiohttp import AiohttpServer

from auth_server.appkeys import USERS
from tests.auth_server.conftest import PASSWORD
from tests.resource_server import agent
from tests.resource_server.conftest import McpSetup, bearer


async def test_a_registered_mcp_client_gets_a_working_token(
    mcp_setup: McpSetup, aiohttp_server: AiohttpServer
) -> None:
    await mcp_setup.issuer.app[USERS].create("alice", PASSWORD)
    redirect_uri = await agent.LoopbackCallback().start(aiohttp_server)  # a random port
    account = f"{mcp_setup.resource}/account"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        found = await agent.discover(session, account)
        client_id = await agent.register(session, found)
        code, verifier = await agent.authorize(session, found, client_id, redirect_uri)
        token = await agent.token(session, found, client_id, code, verifier, redirect_uri)
        response = await session.get(account, headers=bearer(token))
        assert response.status == 200, await response.text()
        assert (await response.json())["client_id"] == client_id


@pytest.mark.parametrize("document_mode", ["any"])  # the document is served on loopback
async def test_a_metadata_document_client_gets_a_working_token(
    mcp_setup: McpSetup, aiohttp_server: AiohttpServer
) -> None:
    await mcp_setup.issuer.app[USERS].create("alice", PASSWORD)

    async def document(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "client_id": str(request.url),
                "client_name": "Agent",
                "redirect_uris": [agent.REDIRECT_URI],
                "grant_types": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_method": "none",
            }
        )

    app = web.Application()
    app.router.add_get("/agent/client.json", document)
    client_id = str((await aiohttp_server(app)).make_url("/agent/client.json"))
    redirect_uri = await agent.LoopbackCallback().start(aiohttp_server)
    account = f"{mcp_setup.resource}/account"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        found = await agent.discover(session, account)
        assert found.server["client_id_metadata_document_supported"] is True
        code, verifier = await agent.authorize(session, found, client_id, redirect_uri)
        token = await agent.token(session, found, client_id, code, verifier, redirect_uri)
        response = await session.get(account, headers=bearer(token))
        assert response.status == 200, await response.text()
        assert (await response.json())["client_id"] == client_id
