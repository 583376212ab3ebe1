"""Liveness and readiness: ready only with the issuer's keys held and the database answering."""

from __future__ import annotations

from resource_server.appkeys import DATABASE
from shared.serve import LIFECYCLE
from tests.resource_server.conftest import RSClient, bearer
from tests.resource_server.issuer import TestIssuer


async def test_healthz(rs: RSClient) -> None:
    response = await rs.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_ready_with_keys_and_database(rs: RSClient) -> None:
    response = await rs.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_not_ready_when_the_database_is_cut(rs: RSClient) -> None:
    assert rs.app is not None
    await rs.app[DATABASE].close()
    response = await rs.get("/readyz")
    assert response.status == 503
    assert await response.json() == {"status": "unavailable", "problems": ["database unreachable"]}
    assert (await rs.get("/healthz")).status == 200


async def test_account_requests_during_a_database_outage_are_503(
    rs: RSClient, issuer: TestIssuer
) -> None:
    assert rs.app is not None
    await rs.app[DATABASE].close()
    response = await rs.get("/account", headers=bearer(issuer.token()))
    assert response.status == 503
    assert (await response.json())["error"] == "temporarily_unavailable"
    assert "Retry-After" in response.headers


async def test_not_ready_while_draining(rs: RSClient) -> None:
    assert rs.app is not None
    rs.app[LIFECYCLE].draining = True
    response = await rs.get("/readyz")
    assert response.status == 503
    assert (await response.json())["problems"] == ["stopping"]


async def test_metrics_count_requests_by_route_and_status(rs: RSClient, issuer: TestIssuer) -> None:
    await rs.get("/account", headers=bearer(issuer.token()))
    await rs.get("/account")
    response = await rs.get("/metrics")
    assert response.status == 200
    text = await response.text()
    assert 'http_requests_total{method="GET",route="/account",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/account",status="401"} 1.0' in text


async def test_every_answer_carries_a_request_id(rs: RSClient) -> None:
    response = await rs.get("/account", headers={"X-Request-ID": "trace-1"})
    assert response.status == 401
    assert response.headers["X-Request-ID"] == "trace-1"
