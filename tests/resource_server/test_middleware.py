"""RFC 6750 §2.1 and §3: where the token may be, and the challenges when it is not right."""

from __future__ import annotations

import logging

import pytest

from tests.resource_server.conftest import RSClient, challenge
from tests.resource_server.issuer import AUDIENCE, TestIssuer

METADATA_URL = AUDIENCE + "/.well-known/oauth-protected-resource"


async def test_no_token_is_401_without_an_error_code(rs: RSClient) -> None:
    response = await rs.get("/account")
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}
    assert challenge(response) == {"realm": AUDIENCE, "resource_metadata": METADATA_URL}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "value",
    ["Bearer", "Bearer ", "Bearer    ", "Bearer a b", "Bearer a,b", "Bearer a, Bearer b"],
    ids=["bare", "empty", "spaces", "two-tokens", "comma", "two-credentials"],
)
async def test_malformed_bearer_credentials_are_400(rs: RSClient, value: str) -> None:
    response = await rs.get("/account", headers={"Authorization": value})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"
    params = challenge(response)
    assert params["error"] == "invalid_request"
    assert params["realm"] == AUDIENCE


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Token abc", "abc"])
async def test_another_scheme_is_400(rs: RSClient, value: str) -> None:
    response = await rs.get("/account", headers={"Authorization": value})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_two_authorization_headers_are_400(rs: RSClient, issuer: TestIssuer) -> None:
    token = issuer.token()
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    response = await rs.get("/account", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_a_token_in_the_query_is_refused(rs: RSClient, issuer: TestIssuer) -> None:
    response = await rs.get("/account", params={"access_token": issuer.token()})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_scheme_is_case_insensitive(
    rs: RSClient, issuer: TestIssuer, scheme: str
) -> None:
    response = await rs.get("/account", headers={"Authorization": f"{scheme} {issuer.token()}"})
    assert response.status == 200


@pytest.mark.parametrize("token", ["a\u00e9b", "a;b", 'a"b', "=abc"])
async def test_characters_outside_b64token_are_invalid_token(rs: RSClient, token: str) -> None:
    response = await rs.get("/account", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 401
    assert challenge(response)["error"] == "invalid_token"


async def test_a_token_over_8_kib_is_401_invalid_token(rs: RSClient) -> None:
    response = await rs.get("/account", headers={"Authorization": "Bearer " + "a" * 8193})
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_token"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/.well-known/oauth-protected-resource"])
async def test_public_routes_need_no_token(rs: RSClient, path: str) -> None:
    assert (await rs.get(path)).status == 200


async def test_unknown_routes_are_404_not_401(rs: RSClient) -> None:
    response = await rs.get("/nowhere")
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_header_content_is_never_logged(
    rs: RSClient, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good, expired = issuer.token(), issuer.token(issuer.claims(exp=1, iat=1))
    secrets = [good, expired, "sekrit-value", "Zm9vOmJhcg=="]
    for value in [f"Bearer {good}", f"Bearer {expired}", "Bearer sekrit-value"]:
        await rs.get("/account", headers={"Authorization": value})
    await rs.get("/account", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in logged
        assert secret.split(".")[0] not in logged
