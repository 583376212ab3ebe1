"""What operators see of the resource server in /metrics."""

from __future__ import annotations

from tests.resource_server.conftest import RSClient, bearer
from tests.resource_server.issuer import TestIssuer


async def test_refusals_are_counted_by_reason_and_fetches_by_outcome(
    rs: RSClient, issuer: TestIssuer
) -> None:
    token = issuer.token()
    assert (await rs.get("/account", headers=bearer(token))).status == 200
    assert (await rs.get("/account")).status == 401
    expired = issuer.token(issuer.claims(exp=1, iat=0))
    for _ in range(2):
        assert (await rs.get("/account", headers=bearer(expired))).status == 401
    text = await (await rs.get("/metrics")).text()
    failures = "resource_token_validation_failures_total"
    assert f'{failures}{{error="invalid_token",reason="the token has expired"}} 2.0' in text
    assert f'{failures}{{error="unauthorized",reason="unauthorized"}} 1.0' in text
    assert 'resource_jwks_fetches_total{outcome="ok"}' in text
    assert 'http_requests_total{method="GET",route="/account",status="200"} 1.0' in text
    assert token not in text
