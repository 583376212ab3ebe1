"""The importable pieces: the example application of docs/protect.md, run as written."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient
from yarl import URL

from resource_server import Settings, protect
from tests.documentation import page
from tests.resource_server.conftest import RSClient, bearer, challenge, until
from tests.resource_server.issuer import AUDIENCE, TestIssuer

AppFactory = Callable[[str], web.Application]


def documented_example() -> AppFactory:
    """The Python block of docs/protect.md that uses require_scope, executed."""
    blocks = re.findall(r"```python\n(.*?)```", page("protect"), re.DOTALL)
    (code,) = [block for block in blocks if "require_scope" in block]
    assert len(code.strip().splitlines()) <= 30
    namespace: dict[str, Any] = {"__name__": "documented_example"}
    exec(compile(code, "docs/protect.md", "exec"), namespace)
    factory: AppFactory = namespace["make_app"]
    return factory


@pytest.fixture
async def example(
    aiohttp_client: AiohttpClient, issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> RSClient:
    monkeypatch.setenv("RESOURCE_ISSUER", issuer.issuer)
    client = await aiohttp_client(documented_example()(AUDIENCE))
    await until(lambda: issuer.jwks_fetches > 0)
    return client


async def test_the_example_serves_a_valid_token(example: RSClient, issuer: TestIssuer) -> None:
    token = issuer.token(issuer.claims(sub="alice", scope="read"))
    response = await example.get("/hello", headers=bearer(token))
    assert response.status == 200
    assert await response.json() == {"hello": "alice"}


async def test_the_example_refuses_what_the_spec_refuses(
    example: RSClient, issuer: TestIssuer
) -> None:
    no_token = await example.get("/hello")
    assert no_token.status == 401
    assert await no_token.json() == {"error": "unauthorized"}
    assert "error" not in challenge(no_token)
    write_only = issuer.token(issuer.claims(scope="write"))
    forbidden = await example.get("/hello", headers=bearer(write_only))
    assert forbidden.status == 403
    assert challenge(forbidden)["scope"] == "read"
    bad = await example.get("/hello", headers=bearer(issuer.token(issuer.claims(aud="x"))))
    assert bad.status == 401
    assert (await bad.json())["error"] == "invalid_token"
    assert (await example.get("/hello", headers={"Authorization": "Bearer"})).status == 400


async def test_public_routes_of_the_example_need_no_token(example: RSClient) -> None:
    assert (await example.get("/ping")).status == 200


async def test_the_challenge_points_at_the_example_s_own_metadata(example: RSClient) -> None:
    refused = await example.get("/hello")
    url = URL(challenge(refused)["resource_metadata"])
    assert url.with_path("/") == URL(AUDIENCE).with_path("/")
    document = await example.get(url.path)
    assert document.status == 200
    metadata = await document.json()
    assert metadata["resource"] == AUDIENCE
    assert metadata["authorization_servers"] == [os.environ["RESOURCE_ISSUER"]]


def test_protect_names_no_resource_of_its_own() -> None:
    with pytest.raises(TypeError):
        protect(web.Application(), Settings())  # type: ignore[call-arg]
