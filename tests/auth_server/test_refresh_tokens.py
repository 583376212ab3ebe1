"""Refresh tokens: rotated on every use; a replay revokes the whole family."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from auth_server.appkeys import DATABASE, USERS
from tests.auth_server.browser import Browser
from tests.auth_server.conftest import REDIRECT_URI, AuthClient, RegisterClient, Registered
from tests.auth_server.flows import redeem, refresh, sign_in_and_approve, verify
from tests.auth_server.lifecycle import introspect

pytestmark = pytest.mark.usefixtures("database_kind")


@pytest.fixture
async def first_tokens(
    auth_client: AuthClient, web_client: Registered, user_id: str
) -> dict[str, Any]:
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client, scope="read write")
    status, body = await redeem(auth_client, web_client, code, verifier)
    assert status == 200, body
    return body


async def test_refresh_rotates_the_token(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any], user_id: str
) -> None:
    status, body = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert status == 200, body
    assert body["refresh_token"] != first_tokens["refresh_token"]
    assert body["scope"] == "read write"
    assert (await verify(auth_client, body["access_token"]))["sub"] == user_id
    status, again = await refresh(auth_client, web_client, body["refresh_token"])
    assert status == 200, again


async def test_narrower_scope_is_allowed_wider_is_not(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    status, narrow = await refresh(
        auth_client, web_client, first_tokens["refresh_token"], scope="read"
    )
    assert status == 200
    assert narrow["scope"] == "read"
    # The family keeps what was granted: the next refresh may have both scopes again.
    status, both = await refresh(auth_client, web_client, narrow["refresh_token"])
    assert both["scope"] == "read write"
    status, body = await refresh(auth_client, web_client, both["refresh_token"], scope="read admin")
    assert (status, body["error"]) == (400, "invalid_scope")


async def test_replay_of_a_spent_token_revokes_the_family(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    status, second = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert status == 200
    status, body = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    # The attacker's replay also cuts off the legitimate holder of the newest token.
    status, body = await refresh(auth_client, web_client, second["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    # ...and the access tokens issued under the family.
    for token in (first_tokens["access_token"], second["access_token"]):
        assert await introspect(auth_client, web_client, token) == {"active": False}


async def test_another_clients_refresh_token_is_invalid_grant(
    auth_client: AuthClient, first_tokens: dict[str, Any], register_client: RegisterClient
) -> None:
    other = await register_client(redirect_uris=(REDIRECT_URI,))
    status, body = await refresh(auth_client, other, first_tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_disabled_user_cannot_refresh(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    await auth_client.app[USERS].set_disabled("alice", True)
    status, body = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_expired_refresh_token_is_invalid_grant(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    await auth_client.app[DATABASE].execute("UPDATE refresh_tokens SET expires_at = 0")
    status, body = await refresh(auth_client, web_client, first_tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_deleted_client_ends_its_families(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    from auth_server.appkeys import CLIENTS

    await auth_client.app[CLIENTS].delete(web_client.client_id)
    assert await auth_client.app[DATABASE].fetchval("SELECT count(*) FROM refresh_tokens") == 0


async def test_refresh_tokens_are_stored_only_as_digests(
    auth_client: AuthClient, first_tokens: dict[str, Any]
) -> None:
    rows = await auth_client.app[DATABASE].fetch("SELECT * FROM refresh_tokens")
    assert rows
    assert first_tokens["refresh_token"] not in repr(rows)


async def test_twenty_concurrent_uses_exactly_one_succeeds(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    results = await asyncio.gather(
        *(refresh(auth_client, web_client, first_tokens["refresh_token"]) for _ in range(20))
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * 19
    assert all(body["error"] == "invalid_grant" for status, body in results if status == 400)


async def test_parallel_presentations_one_wins_and_the_family_is_revoked(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    """RFC 9700 §4.14.2: of N presentations of one token at once, exactly one rotates it; the
    others are replays, which revoke the whole family, the winner's new tokens included."""
    results = await asyncio.gather(
        *(refresh(auth_client, web_client, first_tokens["refresh_token"]) for _ in range(8))
    )
    winners = [body for status, body in results if status == 200]
    assert len(winners) == 1
    assert sorted(status for status, _ in results) == [200] + [400] * 7
    status, body = await refresh(auth_client, web_client, winners[0]["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    for token in (first_tokens["access_token"], winners[0]["access_token"]):
        assert await introspect(auth_client, web_client, token) == {"active": False}
    assert await introspect(auth_client, web_client, winners[0]["refresh_token"]) == {
        "active": False
    }


async def test_refused_requests_leave_the_token_usable(
    auth_client: AuthClient,
    web_client: Registered,
    first_tokens: dict[str, Any],
    register_client: RegisterClient,
) -> None:
    """A request the grant refuses before rotating (a scope or resource beyond the grant,
    another client) spends nothing and revokes nothing."""
    token = first_tokens["refresh_token"]
    status, body = await refresh(auth_client, web_client, token, scope="read admin")
    assert (status, body["error"]) == (400, "invalid_scope")
    status, body = await refresh(
        auth_client, web_client, token, resource="https://elsewhere.example/"
    )
    assert (status, body["error"]) == (400, "invalid_target")
    other = await register_client(redirect_uris=(REDIRECT_URI,))
    status, body = await refresh(auth_client, other, token)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await refresh(auth_client, web_client, token, scope="read")
    assert status == 200, body
    assert body["scope"] == "read"


async def test_client_credentials_client_cannot_refresh(
    auth_client: AuthClient, registered_client: Registered, first_tokens: dict[str, Any]
) -> None:
    status, body = await refresh(auth_client, registered_client, first_tokens["refresh_token"])
    assert (status, body["error"]) == (400, "unauthorized_client")


async def test_pruning_keeps_live_rows_and_drops_expired_ones(
    auth_client: AuthClient, web_client: Registered, first_tokens: dict[str, Any]
) -> None:
    from auth_server.pruning import prune_expired

    database = auth_client.app[DATABASE]
    assert await prune_expired(database) == 0  # everything is live
    far_future = 10**10
    assert await prune_expired(database, now=far_future) > 0
    for table in ("authorization_codes", "refresh_tokens", "browser_sessions", "token_families"):
        assert await database.fetchval(f"SELECT count(*) FROM {table}") == 0, table
