"""Replayed authorization codes (RFC 6749 §4.1.2, RFC 9700 §4.5): only the code's own,
authenticated client ends the grant by replaying it; a reused code_challenge is refused
(RFC 9700 §2.1.1)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.auth_server.browser import Browser, pkce_pair, redirect_params
from tests.auth_server.conftest import PASSWORD, AuthClient, RegisterClient, Registered
from tests.auth_server.flows import authorize_query, redeem, refresh, sign_in_and_approve
from tests.auth_server.lifecycle import introspect

pytestmark = pytest.mark.usefixtures("database_kind", "user_id")
INACTIVE = {"active": False}


async def first_redemption(http: AuthClient, client: Registered) -> tuple[str, str, dict[str, Any]]:
    code, verifier = await sign_in_and_approve(Browser(http), client)
    status, tokens = await redeem(http, client, code, verifier)
    assert status == 200, tokens
    return code, verifier, tokens


async def still_works(http: AuthClient, client: Registered, tokens: dict[str, Any]) -> None:
    status, body = await refresh(http, client, tokens["refresh_token"])
    assert status == 200, body


async def test_another_client_replaying_a_used_code_changes_nothing(
    auth_client: AuthClient, register_client: RegisterClient, web_client: Registered
) -> None:
    code, verifier, tokens = await first_redemption(auth_client, web_client)
    attacker = await register_client(
        name="attacker", redirect_uris=("https://app.example/callback",)
    )
    for proof in (verifier, "wrong-verifier-" + "x" * 40):
        status, body = await redeem(auth_client, attacker, code, proof)
        assert (status, body["error"]) == (400, "invalid_grant")
    assert (await introspect(auth_client, web_client, tokens["access_token"]))["active"] is True
    await still_works(auth_client, web_client, tokens)


async def test_a_public_clients_replay_without_its_verifier_changes_nothing(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    app = await register_client(public=True, redirect_uris=("https://app.example/callback",))
    code, _, tokens = await first_redemption(auth_client, app)
    # Anyone can send a public client's id: without the verifier that proves nothing.
    status, body = await redeem(auth_client, app, code, "")
    assert (status, body["error"]) == (400, "invalid_grant")
    await still_works(auth_client, app, tokens)


async def test_the_own_clients_replay_still_revokes_the_grant(
    auth_client: AuthClient, register_client: RegisterClient
) -> None:
    app = await register_client(public=True, redirect_uris=("https://app.example/callback",))
    code, verifier, tokens = await first_redemption(auth_client, app)
    status, body = await redeem(auth_client, app, code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await refresh(auth_client, app, tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_parallel_redemptions_one_wins_and_the_grant_is_revoked(
    auth_client: AuthClient, web_client: Registered
) -> None:
    """RFC 6749 §4.1.2: of N redemptions of one code at once by its own client, exactly one
    gets tokens; the others are reuse, which revokes what the winner got."""
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    results = await asyncio.gather(
        *(redeem(auth_client, web_client, code, verifier) for _ in range(8))
    )
    winners = [body for status, body in results if status == 200]
    assert len(winners) == 1
    assert sorted(status for status, _ in results) == [200] + [400] * 7
    assert all(body["error"] == "invalid_grant" for status, body in results if status == 400)
    assert await introspect(auth_client, web_client, winners[0]["access_token"]) == INACTIVE
    status, body = await refresh(auth_client, web_client, winners[0]["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_refused_redemptions_leave_the_code_usable(
    auth_client: AuthClient, register_client: RegisterClient, web_client: Registered
) -> None:
    """A redemption that does not match the code (verifier, redirect_uri, resource, client)
    spends nothing and revokes nothing."""
    code, verifier = await sign_in_and_approve(Browser(auth_client), web_client)
    other = await register_client(name="other", redirect_uris=("https://app.example/callback",))
    refused = (
        await redeem(auth_client, web_client, code, pkce_pair()[0]),
        await redeem(
            auth_client, web_client, code, verifier, redirect_uri="https://app.example/other"
        ),
        await redeem(
            auth_client, web_client, code, verifier, resource="https://elsewhere.example/"
        ),
        await redeem(auth_client, other, code, verifier),
    )
    errors = [(status, body["error"]) for status, body in refused]
    assert errors == [(400, "invalid_grant")] * 2 + [
        (400, "invalid_target"),
        (400, "invalid_grant"),
    ]
    status, tokens = await redeem(auth_client, web_client, code, verifier)
    assert status == 200, tokens
    await still_works(auth_client, web_client, tokens)


async def test_a_code_challenge_used_again_is_invalid_request(
    auth_client: AuthClient, web_client: Registered
) -> None:
    _, challenge = pkce_pair()
    browser = Browser(auth_client)
    login = await browser.open("/authorize", **authorize_query(web_client, challenge))
    consent = await browser.submit(login, username="alice", password=PASSWORD)
    done = await browser.submit(consent, decision="approve")
    assert "code" in redirect_params(done.location or "")
    again = await browser.open("/authorize", **authorize_query(web_client, challenge))
    params = redirect_params(again.location or "")
    assert (again.status, params["error"]) == (303, "invalid_request")
    assert "code" not in params
    # A fresh challenge goes through (consent is remembered).
    fresh = await browser.open("/authorize", **authorize_query(web_client, pkce_pair()[1]))
    assert "code" in redirect_params(fresh.location or "")
