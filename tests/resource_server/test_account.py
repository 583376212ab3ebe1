"""GET and PUT /account end to end: tokens from the real authorization server's /token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from resource_server.appkeys import ACCOUNTS
from tests.resource_server.conftest import RealIssuer, RSClient, bearer, challenge


@pytest.fixture
async def write_token(real_issuer: RealIssuer) -> str:
    client_id, secret = await real_issuer.register()
    return await real_issuer.token(client_id, secret)


async def test_get_before_any_put_is_an_empty_object(
    rs_real: RSClient, real_issuer: RealIssuer
) -> None:
    client_id, secret = await real_issuer.register()
    token = await real_issuer.token(client_id, secret, scope="read")
    response = await rs_real.get("/account", headers=bearer(token))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    # client_credentials: `sub` is the client's own id.
    assert await response.json() == {
        "subject": client_id,
        "client_id": client_id,
        "scope": "read",
        "data": {},
    }


async def test_put_stores_the_body_itself_and_get_returns_it(
    rs_real: RSClient, write_token: str
) -> None:
    data = {"name": "Ada", "tags": ["x", "y"], "nested": {"n": 1.5, "ok": True, "none": None}}
    put = await rs_real.put("/account", json=data, headers=bearer(write_token))
    assert put.status == 200
    body = await put.json()
    assert body["data"] == data
    assert body["scope"] == "read write"
    got = await (await rs_real.get("/account", headers=bearer(write_token))).json()
    assert got == body


async def test_put_replaces_the_whole_object(rs_real: RSClient, write_token: str) -> None:
    await rs_real.put("/account", json={"a": 1, "b": 2}, headers=bearer(write_token))
    await rs_real.put("/account", json={"c": 3}, headers=bearer(write_token))
    got = await (await rs_real.get("/account", headers=bearer(write_token))).json()
    assert got["data"] == {"c": 3}


async def test_unicode_and_lone_surrogates_survive_storage(
    rs_real: RSClient, write_token: str
) -> None:
    body = '{"text": "caf\u00e9 \u2603", "odd": "\\ud800", "nul": "a\\u0000b"}'
    put = await rs_real.put("/account", data=body.encode(), headers=bearer(write_token))
    assert put.status == 200
    got = await (await rs_real.get("/account", headers=bearer(write_token))).json()
    assert got["data"] == json.loads(body)


async def test_subjects_do_not_see_each_other(rs_real: RSClient, real_issuer: RealIssuer) -> None:
    first = await real_issuer.token(*await real_issuer.register())
    second = await real_issuer.token(*await real_issuer.register())
    await rs_real.put("/account", json={"mine": 1}, headers=bearer(first))
    got = await (await rs_real.get("/account", headers=bearer(second))).json()
    assert got["data"] == {}


async def test_body_of_exactly_the_limit_is_accepted(rs_real: RSClient, write_token: str) -> None:
    prefix, suffix = '{"pad": "', '"}'
    body = prefix + "x" * (16_384 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 16_384
    response = await rs_real.put("/account", data=body, headers=bearer(write_token))
    assert response.status == 200


@pytest.mark.parametrize("chunked", [False, True])
async def test_body_over_16_kib_is_413_and_nothing_is_stored(
    rs_real: RSClient, write_token: str, chunked: bool
) -> None:
    await rs_real.put("/account", json={"kept": True}, headers=bearer(write_token))
    body = json.dumps({"pad": "x" * 16_384}).encode()

    async def stream() -> AsyncIterator[bytes]:
        yield body

    response = await rs_real.put(
        "/account", data=stream() if chunked else body, headers=bearer(write_token)
    )
    assert response.status == 413
    assert (await response.json())["error"] == "invalid_request"
    got = await (await rs_real.get("/account", headers=bearer(write_token))).json()
    assert got["data"] == {"kept": True}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[1, 2]",
        b'"text"',
        b"42",
        b"null",
        b'{"n": NaN}',
        b"\xff\xfe{}",
        b"[" * 8_000 + b"]" * 8_000,
    ],
    ids=["empty", "truncated", "array", "string", "number", "null", "nan", "not-utf8", "deep"],
)
async def test_bad_or_non_object_json_is_400_and_nothing_is_stored(
    rs_real: RSClient, write_token: str, body: bytes
) -> None:
    await rs_real.put("/account", json={"kept": True}, headers=bearer(write_token))
    response = await rs_real.put("/account", data=body, headers=bearer(write_token))
    assert response.status == 400
    assert response.content_type == "application/json"
    assert (await response.json())["error"] == "invalid_request"
    got = await (await rs_real.get("/account", headers=bearer(write_token))).json()
    assert got["data"] == {"kept": True}


async def test_read_only_token_cannot_put(rs_real: RSClient, real_issuer: RealIssuer) -> None:
    client_id, secret = await real_issuer.register(scope=("read",))
    token = await real_issuer.token(client_id, secret)
    response = await rs_real.put("/account", json={"a": 1}, headers=bearer(token))
    assert response.status == 403
    assert (await response.json())["error"] == "insufficient_scope"
    params = challenge(response)
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == "write"
    assert params["realm"] == "http://rs.test"
    assert await rs_real.app[ACCOUNTS].get(client_id) == {}


async def test_write_only_token_cannot_get(rs_real: RSClient, real_issuer: RealIssuer) -> None:
    client_id, secret = await real_issuer.register()
    token = await real_issuer.token(client_id, secret, scope="write")
    response = await rs_real.get("/account", headers=bearer(token))
    assert response.status == 403
    assert challenge(response)["scope"] == "read"
    assert (await rs_real.put("/account", json={}, headers=bearer(token))).status == 200


async def test_other_methods_are_405_json(rs_real: RSClient, write_token: str) -> None:
    response = await rs_real.delete("/account", headers=bearer(write_token))
    assert response.status == 405
    assert (await response.json())["error"] == "invalid_request"
