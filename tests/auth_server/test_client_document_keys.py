"""Metadata-document clients that authenticate with private_key_jwt (SPEC "Client ID Metadata
Documents", RFC 7523 §2.2): keys from the document's `jwks` or its `jwks_uri`, the second
fetched under the documents' SSRF guard. Documents and key sets are served on 127.0.0.1
(AUTH_CLIENT_ID_METADATA_DOCUMENTS=any); refused addresses are only ever named, never reached."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from auth_server import Settings, create_app
from auth_server.appkeys import CLIENT_KEYS, CLIENTS, DATABASE, SETTINGS
from auth_server.clients.documents.document import client_from_document
from auth_server.clients.documents.guard import DocumentRefused
from auth_server.clients.registry import METADATA_DOCUMENT
from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import REDIRECT_URI, AuthClient, Registered
from tests.auth_server.flows import authorize_query, sign_in_and_approve
from tests.auth_server.keyflows import PublishedKeys, assertion, assertion_form, jwks
from tests.dpop_proofs import ProofKey

KEY = ProofKey("ES256")
KEY_METHOD = {"token_endpoint_auth_method": "private_key_jwt"}
GRANTS = ("authorization_code", "refresh_token")
BAD_DOCUMENTS: dict[str, dict[str, Any]] = {
    "no-keys": KEY_METHOD,
    "both": {**KEY_METHOD, "jwks": jwks(KEY), "jwks_uri": "http://127.0.0.1:1/jwks"},
    "private-key": {**KEY_METHOD, "jwks": {"keys": [KEY.private_jwk]}},
    "no-usable-key": {**KEY_METHOD, "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}},
    "keys-but-none": {"token_endpoint_auth_method": "none", "jwks": jwks(KEY)},
}


@pytest.fixture
def auth_settings(auth_settings: Settings) -> Settings:
    return dataclasses.replace(auth_settings, client_id_metadata_documents="any")


@dataclass
class Publisher:
    """Client documents at /clients/{name} and a key set at /jwks, on loopback."""

    server: TestServer
    keys: PublishedKeys
    inline: dict[str, Any] = field(default_factory=lambda: jwks(KEY))

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


@pytest.fixture
async def publisher(aiohttp_server: AiohttpServer) -> Publisher:
    keys = PublishedKeys(jwks(KEY))

    async def document(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        extra: dict[str, dict[str, Any]] = {
            "inline": {**KEY_METHOD, "jwks": published.inline},
            "by-uri": {**KEY_METHOD, "jwks_uri": published.url("/jwks")},
            **BAD_DOCUMENTS,
        }
        body = {
            "client_id": str(request.url),
            "client_name": "Signing agent",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            **extra[name],
        }
        return web.json_response(body, headers={"Cache-Control": "max-age=300"})

    app = web.Application()
    app.router.add_get("/clients/{name}", document)
    app.router.add_get("/jwks", keys.serve)
    published = Publisher(await aiohttp_server(app), keys)
    return published


async def _post(http: AuthClient, path: str, form: dict[str, str]) -> tuple[int, Any]:
    response = await http.post(path, data=form)
    return response.status, await response.json()


async def _code_for(http: AuthClient, client_id: str) -> dict[str, str]:
    """Sign in, approve, and return the code grant's form (without client authentication)."""
    code, verifier = await sign_in_and_approve(Browser(http), Registered(client_id, None))
    return {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT_URI,
    }


async def test_inline_jwks_client_signs_for_its_tokens_and_no_assertion_twice(
    auth_client: AuthClient, user_id: str, publisher: Publisher
) -> None:
    client_id = publisher.url("/clients/inline")
    form = await _code_for(auth_client, client_id)
    signed = assertion(KEY, client_id)
    status, body = await _post(auth_client, "/token", assertion_form(signed, **form))
    assert status == 200, body
    refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    status, replayed = await _post(auth_client, "/token", assertion_form(signed, **refresh))
    assert (status, replayed["error"]) == (401, "invalid_client")  # RFC 7523 §3: jti once
    status, _ = await _post(auth_client, "/token", {**refresh, "client_id": client_id})
    assert status == 401  # a key client has no way in without an assertion
    status, _ = await _post(
        auth_client, "/token", assertion_form(assertion(KEY, client_id), **refresh)
    )
    assert status == 200
    revoke = assertion_form(assertion(KEY, client_id), token=body["access_token"])
    assert (await auth_client.post("/revoke", data=revoke)).status == 200


async def test_jwks_uri_client_gets_a_token_with_keys_fetched_on_loopback(
    auth_client: AuthClient, user_id: str, publisher: Publisher
) -> None:
    auth_client.app[CLIENT_KEYS].session = None  # only the documents' guarded fetcher is left
    client_id = publisher.url("/clients/by-uri")
    form = await _code_for(auth_client, client_id)
    status, body = await _post(
        auth_client, "/token", assertion_form(assertion(KEY, client_id), **form)
    )
    assert status == 200, body
    assert publisher.keys.fetches == 1
    other = ProofKey("ES256")
    refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    status, body = await _post(
        auth_client, "/token", assertion_form(assertion(other, client_id), **refresh)
    )
    assert (status, body["error"]) == (401, "invalid_client")


async def test_a_refetched_document_brings_its_new_keys(
    auth_client: AuthClient, user_id: str, publisher: Publisher
) -> None:
    client_id = publisher.url("/clients/inline")
    form = await _code_for(auth_client, client_id)
    status, body = await _post(
        auth_client, "/token", assertion_form(assertion(KEY, client_id), **form)
    )
    assert status == 200, body
    rotated = ProofKey("ES256")
    publisher.inline = jwks(rotated, "k2")
    await auth_client.app[DATABASE].execute(
        "UPDATE client_metadata_documents SET expires_at = 0 WHERE client_id = $1", client_id
    )
    verifier, challenge = pkce_pair()  # signed in and consented: straight back with a code
    query = authorize_query(Registered(client_id, None), challenge)
    again = await Browser(auth_client).open("/authorize", **query)  # fetches the document anew
    assert again.status == 303
    code = redirect_params(again.location or "")["code"]
    form = {**form, "code": code, "code_verifier": verifier}
    old = assertion_form(assertion(KEY, client_id), **form)
    assert (await _post(auth_client, "/token", old))[0] == 401
    new = assertion_form(assertion(rotated, client_id, kid="k2"), **form)
    status, body = await _post(auth_client, "/token", new)
    assert status == 200, body


@pytest.mark.parametrize("name", list(BAD_DOCUMENTS))
async def test_a_document_with_unusable_keys_is_an_unknown_client(
    auth_client: AuthClient, publisher: Publisher, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = Registered(publisher.url(f"/clients/{name}"), None)
    page = await Browser(auth_client).open("/authorize", **authorize_query(client, "x" * 43))
    assert (page.status, page.location) == (400, None)
    assert "unknown client" in page.html
    assert f"client metadata document {client.client_id} refused" in caplog.text
    assert await auth_client.app[CLIENTS].get(client.client_id) is None


async def test_https_mode_never_fetches_a_stored_documents_private_jwks_uri(
    aiohttp_client: AiohttpClient, auth_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A document client stored with a jwks_uri naming 10.0.0.1 (as if stored while the mode
    was `any`): its assertion fails, the address refused before anything is resolved or
    connected to."""
    app = create_app(dataclasses.replace(auth_settings, client_id_metadata_documents="https"))
    http = await aiohttp_client(app)
    app[CLIENT_KEYS].session = None  # even a broken guard could not reach 10.0.0.1 then
    client_id = "https://agent.example/client.json"
    document: dict[str, Any] = {"client_id": client_id, "redirect_uris": [REDIRECT_URI]}
    document |= {**KEY_METHOD, "jwks_uri": "https://10.0.0.1/jwks"}
    new = client_from_document(
        client_id, document, server_scopes=app[SETTINGS].scopes, grant_types=GRANTS, mode="any"
    )
    async with app[DATABASE].transaction() as tx:
        await app[CLIENTS].put_public(client_id, new, tx)
    revoke = assertion_form(assertion(KEY, client_id), token="anything")
    status, body = await _post(http, "/revoke", revoke)
    assert (status, body["error"]) == (401, "invalid_client")
    assert "10.0.0.1 is not a public address" in caplog.text


@pytest.mark.parametrize(
    "jwks_uri", ["http://keys.example/jwks", "https://10.0.0.1/jwks", "https://localhost/jwks"]
)
def test_https_mode_refuses_a_document_whose_jwks_uri_it_would_not_fetch(jwks_uri: str) -> None:
    url = "https://agent.example/client.json"
    document: dict[str, Any] = {"client_id": url, "redirect_uris": [REDIRECT_URI]}
    document |= {**KEY_METHOD, "jwks_uri": jwks_uri}
    scopes = ("read",)
    with pytest.raises(DocumentRefused, match="its jwks_uri"):
        client_from_document(url, document, server_scopes=scopes, grant_types=GRANTS, mode="https")
    any_mode = client_from_document(
        url, document, server_scopes=scopes, grant_types=GRANTS, mode="any"
    )
    assert (any_mode.jwks_uri, any_mode.source) == (jwks_uri, METADATA_DOCUMENT)
