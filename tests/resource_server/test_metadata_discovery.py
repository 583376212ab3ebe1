"""RFC 9728 §3.1: a client holding a `resource` value finds that resource server's metadata
at the well-known path followed by the identifier's own path."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.resource_server.conftest import StartRS


@pytest.mark.parametrize("identifier", ["http://rs.test", "http://rs.test/mcp/v1"])
async def test_the_metadata_is_found_from_the_resource_value(
    start_rs: StartRS, identifier: str
) -> None:
    rs = await start_rs(identifier=identifier)
    path = "/.well-known/oauth-protected-resource" + urlsplit(identifier).path
    metadata = await (await rs.get(path)).json()
    assert metadata["resource"] == identifier
    unauthorized = await rs.get("/account")
    assert f'resource_metadata="http://rs.test{path}"' in unauthorized.headers["WWW-Authenticate"]
