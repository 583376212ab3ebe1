"""Failed client authentication is throttled per address and client id (429, Retry-After)."""

from __future__ import annotations

import pytest

from auth_server.clients.throttle import FAILURES_ALLOWED, ClientAuthThrottle
from shared.errors import TooManyAttempts
from tests.auth_server.conftest import AuthClient, RegisterClient, Registered


def grant(client: Registered, secret: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": secret,
    }


async def test_a_client_failing_too_often_is_told_to_wait(
    auth_client: AuthClient, registered_client: Registered, register_client: RegisterClient
) -> None:
    assert registered_client.client_secret is not None
    for _ in range(FAILURES_ALLOWED):
        wrong = await auth_client.post("/token", data=grant(registered_client, "wrong"))
        assert wrong.status == 401
    throttled = await auth_client.post("/token", data=grant(registered_client, "wrong"))
    assert throttled.status == 429
    assert (await throttled.json())["error"] == "temporarily_unavailable"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    # The pair is refused before its secret is looked at, the right one included.
    right = grant(registered_client, registered_client.client_secret)
    assert (await auth_client.post("/token", data=right)).status == 429
    # Other clients from the same address are not affected.
    other = await register_client(scope=("read",))
    assert other.client_secret is not None
    allowed = await auth_client.post("/token", data=grant(other, other.client_secret))
    assert allowed.status == 200


def test_failures_age_out_of_the_window() -> None:
    now = [1000.0]
    throttle = ClientAuthThrottle(allowed=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("10.0.0.1", "app")
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check("10.0.0.1", "app")
    assert caught.value.retry_after == 60
    throttle.check("10.0.0.2", "app")
    now[0] += 61
    throttle.check("10.0.0.1", "app")
