"""CORS on the resource server: browsers may call its metadata and protected routes with
Authorization or DPoP, and read the WWW-Authenticate challenge."""

from __future__ import annotations

from tests.resource_server.conftest import RSClient

APP = "https://agent.example"


async def test_a_protected_route_answers_preflights(rs: RSClient) -> None:
    headers = {
        "Origin": APP,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, dpop, content-type",
    }
    response = await rs.options("/account", headers=headers)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert {"Authorization", "DPoP"} <= set(allowed.split(", "))
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]


async def test_the_challenge_is_exposed_to_browsers(rs: RSClient) -> None:
    response = await rs.get("/account", headers={"Origin": APP})
    assert response.status == 401
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    metadata = await rs.get("/.well-known/oauth-protected-resource", headers={"Origin": APP})
    assert metadata.headers["Access-Control-Allow-Origin"] == "*"
