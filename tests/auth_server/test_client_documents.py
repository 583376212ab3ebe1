"""Client ID Metadata Documents at the authorization endpoint: a client_id that is a URL,
served here by the test itself on 127.0.0.1 (AUTH_CLIENT_ID_METADATA_DOCUMENTS=any)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from auth_server import Settings, create_app
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import PASSWORD, REDIRECT_URI, AuthClient, Registered
from tests.auth_server.flows import authorize_query, post_token

BAD_DOCUMENTS: dict[str, dict[str, Any]] = {
    "other-id": {"client_id": "https://elsewhere.example/client.json"},
    "secret": {"client_secret": "s3cret"},
    "secret-auth": {"token_endpoint_auth_method": "client_secret_basic"},
    "machine": {"grant_types": ["client_credentials"], "response_types": []},
    "bad-redirect": {"redirect_uris": ["http://app.example/callback"]},
}


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, client_id_metadata_documents="any")


@pytest.fixture
async def documents(aiohttp_server: AiohttpServer) -> tuple[TestServer, Counter[str]]:
    """A web server publishing one good document and several bad ones; it counts fetches."""
    fetched: Counter[str] = Counter()

    async def serve(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        fetched[name] += 1
        if name not in BAD_DOCUMENTS and name != "good":
            raise web.HTTPNotFound()
        document = {
            "client_id": str(request.url),
            "client_name": "Agent",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "none",
            **BAD_DOCUMENTS.get(name, {}),
        }
        return web.json_response(document, headers={"Cache-Control": "max-age=300"})

    app = web.Application()
    app.router.add_get("/clients/{name}", serve)
    server = await aiohttp_server(app)
    return server, fetched


def document_url(documents: tuple[TestServer, Counter[str]], name: str) -> str:
    return str(documents[0].make_url(f"/clients/{name}"))


async def test_a_document_client_gets_a_token(
    auth_client: AuthClient, user_id: str, documents: tuple[TestServer, Counter[str]]
) -> None:
    metadata = await (await auth_client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["client_id_metadata_document_supported"] is True
    client = Registered(document_url(documents, "good"), None)
    browser = Browser(auth_client)
    verifier, challenge = pkce_pair()
    login = await browser.open("/authorize", **authorize_query(client, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    assert "Agent</strong> (127.0.0.1)" in consent.html  # the host beside the name
    code = redirect_params((await browser.submit(consent, decision="approve")).location or "")
    form = {"grant_type": "authorization_code", "code": code["code"], "code_verifier": verifier}
    form |= {"redirect_uri": REDIRECT_URI, "client_id": client.client_id}
    status, _, body = await post_token(auth_client, form)
    assert status == 200, body
    again = await browser.open("/authorize", **authorize_query(client, challenge))
    assert again.status == 303  # consent remembered
    assert documents[1]["good"] == 1  # and the document kept for its max-age


@pytest.mark.parametrize("name", [*BAD_DOCUMENTS, "missing"])
async def test_a_bad_or_missing_document_is_an_unknown_client(
    auth_client: AuthClient,
    documents: tuple[TestServer, Counter[str]],
    name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Registered(document_url(documents, name), None)
    page = await Browser(auth_client).open("/authorize", **authorize_query(client, "x" * 43))
    assert page.status == 400
    assert page.location is None  # never redirected
    assert "unknown client" in page.html
    assert f"client metadata document {client.client_id} refused" in caplog.text


async def test_documents_are_not_fetched_when_off(
    aiohttp_client: AiohttpClient,
    auth_settings: Settings,
    documents: tuple[TestServer, Counter[str]],
) -> None:
    http = await aiohttp_client(
        create_app(dataclasses.replace(auth_settings, client_id_metadata_documents="off"))
    )
    metadata = await (await http.get("/.well-known/oauth-authorization-server")).json()
    assert "client_id_metadata_document_supported" not in metadata
    client = Registered(document_url(documents, "good"), None)
    page = await Browser(http).open("/authorize", **authorize_query(client, "x" * 43))
    assert page.status == 400
    assert not documents[1]
