"""One spelling per token (RFC 4648 §3.5): base64url with set unused bits is a second string
for the same signed bytes, and is refused."""

from __future__ import annotations

import pytest

from tests.resource_server.conftest import RSClient, bearer
from tests.resource_server.issuer import TestIssuer

# Parsing only: one database is enough.
pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"])
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def respelled(token: str) -> str:
    """The same token with the last character's unused bits set: same bytes, new string."""
    head, _, signature = token.rpartition(".")
    assert len(signature) % 4 == 2  # an RS256 signature: 256 bytes, 4 unused bits at the end
    last = B64URL.index(signature[-1])
    return f"{head}.{signature[:-1]}{B64URL[last | 0b1111]}"


async def test_a_non_canonical_signature_is_invalid_token(rs: RSClient, issuer: TestIssuer) -> None:
    token = issuer.token()
    assert (await rs.get("/account", headers=bearer(token))).status == 200
    response = await rs.get("/account", headers=bearer(respelled(token)))
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_token"
