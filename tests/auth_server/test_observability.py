"""What operators see of the authorization server: metrics, request ids, readiness."""

from __future__ import annotations

from aiohttp import encode_basic_auth

from shared.serve import LIFECYCLE
from tests.auth_server.conftest import AuthClient, Registered


async def test_metrics_count_tokens_by_grant_and_requests_by_route(
    auth_client: AuthClient, registered_client: Registered
) -> None:
    assert registered_client.client_secret is not None
    for _ in range(2):
        response = await auth_client.post(
            "/token",
            data={"grant_type": "client_credentials"},
            headers={
                "Authorization": encode_basic_auth(
                    registered_client.client_id, registered_client.client_secret
                )
            },
        )
        assert response.status == 200
    await auth_client.post("/token", data={"grant_type": "client_credentials"})
    text = await (await auth_client.get("/metrics")).text()
    assert 'oauth_tokens_issued_total{grant_type="client_credentials"} 2.0' in text
    assert 'http_requests_total{method="POST",route="/token",status="200"} 2.0' in text
    assert 'http_requests_total{method="POST",route="/token",status="401"} 1.0' in text
    assert registered_client.client_secret not in text


async def test_every_answer_carries_a_request_id(auth_client: AuthClient) -> None:
    kept = await auth_client.get("/healthz", headers={"X-Request-ID": "trace-7"})
    assert kept.headers["X-Request-ID"] == "trace-7"
    refused = await auth_client.post("/token", data={"grant_type": "password"})
    assert refused.status == 400
    assert len(refused.headers["X-Request-ID"]) == 32


async def test_readiness_turns_off_when_draining(auth_client: AuthClient) -> None:
    assert (await auth_client.get("/readyz")).status == 200
    auth_client.app[LIFECYCLE].draining = True
    draining = await auth_client.get("/readyz")
    assert draining.status == 503
    assert "stopping" in (await draining.json())["problems"]
