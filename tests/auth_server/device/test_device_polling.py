"""Polling the token endpoint with a device code (RFC 8628 §3.4, §3.5)."""

from __future__ import annotations

import asyncio
import time

from auth_server.appkeys import DATABASE, USERS
from auth_server.pruning import prune_expired
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import DEFAULT_AUDIENCE, AuthClient, Registered
from tests.auth_server.device.flow import (
    enter_code,
    let_time_pass,
    poll,
    sign_in_and_decide,
    start,
)
from tests.auth_server.flows import refresh, verify


async def test_an_approved_device_gets_a_token_and_a_refresh_token(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client, scope="read")
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    status, body = await poll(auth_client, tv_client, codes["device_code"])
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read"
    claims = await verify(auth_client, body["access_token"])
    assert claims["sub"] == user_id
    assert claims["client_id"] == tv_client.client_id
    assert "auth_time" in claims
    status, refreshed = await refresh(auth_client, tv_client, body["refresh_token"])
    assert status == 200, refreshed


async def test_a_confidential_client_without_refresh_gets_no_refresh_token(
    auth_client: AuthClient, confidential_device_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, confidential_device_client)
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    status, body = await poll(auth_client, confidential_device_client, codes["device_code"])
    assert status == 200, body
    assert "refresh_token" not in body


async def test_pending_until_the_person_decides(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    for _ in range(2):
        status, body = await poll(auth_client, tv_client, codes["device_code"])
        assert (status, body["error"]) == (400, "authorization_pending")
        await let_time_pass(auth_client, 1)


async def test_polling_too_fast_slows_down_by_five_seconds_from_then_on(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    codes = await start(auth_client, tv_client)
    assert codes["interval"] == 1
    assert (await poll(auth_client, tv_client, codes["device_code"]))[1]["error"] == (
        "authorization_pending"
    )
    status, body = await poll(auth_client, tv_client, codes["device_code"])
    assert (status, body["error"]) == (400, "slow_down")
    # RFC 8628 §3.5: the interval is now 1 + 5 s, for this device code only.
    await let_time_pass(auth_client, 5)
    assert (await poll(auth_client, tv_client, codes["device_code"]))[1]["error"] == "slow_down"
    await let_time_pass(auth_client, 11)  # 1 + 5 + 5
    assert (await poll(auth_client, tv_client, codes["device_code"]))[1]["error"] == (
        "authorization_pending"
    )
    other = await start(auth_client, tv_client)
    assert (await poll(auth_client, tv_client, other["device_code"]))[1]["error"] == (
        "authorization_pending"
    )


async def test_a_denied_request_is_access_denied(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    done = await sign_in_and_decide(Browser(auth_client), codes["user_code"], "deny")
    assert "Request denied" in done.html
    status, body = await poll(auth_client, tv_client, codes["device_code"])
    assert (status, body["error"]) == (400, "access_denied")


async def test_an_expired_device_code_is_expired_token(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    await let_time_pass(auth_client, codes["expires_in"])
    status, body = await poll(auth_client, tv_client, codes["device_code"])
    assert (status, body["error"]) == (400, "expired_token")


async def test_a_device_code_is_redeemed_once(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    assert (await poll(auth_client, tv_client, codes["device_code"]))[0] == 200
    await let_time_pass(auth_client, 1)
    status, body = await poll(auth_client, tv_client, codes["device_code"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_parallel_polls_after_approval_give_exactly_one_token(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    answers = await asyncio.gather(
        *(poll(auth_client, tv_client, codes["device_code"]) for _ in range(8))
    )
    assert sorted(status for status, _ in answers) == [200] + [400] * 7
    assert {body["error"] for status, body in answers if status == 400} == {"invalid_grant"}
    families = await auth_client.app[DATABASE].fetchval("SELECT COUNT(*) FROM token_families")
    assert int(families) == 1


async def test_unknown_missing_or_foreign_device_codes(
    auth_client: AuthClient,
    tv_client: Registered,
    confidential_device_client: Registered,
) -> None:
    codes = await start(auth_client, tv_client)
    assert (await poll(auth_client, tv_client, "not-a-code"))[1]["error"] == "invalid_grant"
    assert (await poll(auth_client, tv_client, "x" * 5000))[1]["error"] == "invalid_grant"
    assert (await poll(auth_client, tv_client, ""))[1]["error"] == "invalid_request"
    status, body = await poll(auth_client, confidential_device_client, codes["device_code"])
    assert (status, body["error"]) == (400, "invalid_grant")
    # Another client's poll changed nothing: the owner's first poll is not "too fast".
    assert (await poll(auth_client, tv_client, codes["device_code"]))[1]["error"] == (
        "authorization_pending"
    )


async def test_expired_device_codes_and_old_wrong_code_counts_are_pruned(
    auth_client: AuthClient, tv_client: Registered
) -> None:
    await start(auth_client, tv_client)
    assert (await enter_code(Browser(auth_client), "BCDF-GHJK")).status == 400
    database = auth_client.app[DATABASE]
    now = int(time.time())
    await prune_expired(database, now + 600 + 3600 - 5)  # within the hour after expiry: kept
    assert int(await database.fetchval("SELECT COUNT(*) FROM device_codes")) == 1
    await prune_expired(database, now + 15 * 60 + 86_400 + 5)
    assert int(await database.fetchval("SELECT COUNT(*) FROM device_codes")) == 0
    assert int(await database.fetchval("SELECT COUNT(*) FROM device_code_attempts")) == 0


async def test_a_user_disabled_after_approving_gets_no_token(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    await auth_client.app[USERS].set_disabled("alice", True)
    status, body = await poll(auth_client, tv_client, codes["device_code"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_a_poll_may_narrow_the_audience_but_not_widen_it(
    auth_client: AuthClient, tv_client: Registered, user_id: str
) -> None:
    codes = await start(auth_client, tv_client)
    await sign_in_and_decide(Browser(auth_client), codes["user_code"])
    status, body = await poll(auth_client, tv_client, codes["device_code"], "https://x.example/")
    assert (status, body["error"]) == (400, "invalid_target")
    status, body = await poll(auth_client, tv_client, codes["device_code"], DEFAULT_AUDIENCE)
    assert status == 200, body
