"""Revocations reaching the resource server: the issuer's feed, polled, refuses revoked jtis
within the interval, even tokens already verified and cached."""

from __future__ import annotations

import asyncio
import logging

import pytest

from resource_server.appkeys import HTTP_CLIENT, REVOCATION
from resource_server.revocation import RevokedJtis, basic_authorization, parse_page
from shared.fetch import FetchError
from tests.resource_server.conftest import RSClient, StartRS, bearer, challenge, until
from tests.resource_server.issuer import FEED_CLIENT_ID, FEED_CLIENT_SECRET, TestIssuer

INTERVAL = 0.1
CREDENTIALS = {"client_id": FEED_CLIENT_ID, "client_secret": FEED_CLIENT_SECRET}


@pytest.fixture
async def polling_rs(start_rs: StartRS, issuer: TestIssuer) -> RSClient:
    """A resource server polling the issuer's feed every 0.1 s, its first poll done."""
    issuer.feed_enabled = True
    rs = await start_rs(
        revocation_poll_interval=INTERVAL,
        client_id=FEED_CLIENT_ID,
        client_secret=FEED_CLIENT_SECRET,
    )
    await until(lambda: len(issuer.feed_cursors) >= 1)
    return rs


async def status(rs: RSClient, token: str) -> int:
    return (await rs.get("/account", headers=bearer(token))).status


async def test_a_revoked_cached_token_is_refused_within_the_interval(
    polling_rs: RSClient, issuer: TestIssuer
) -> None:
    claims = issuer.claims()
    token = issuer.token(claims)
    assert await status(polling_rs, token) == 200  # verified, now cached
    issuer.revoke(claims["jti"], claims["exp"])
    assert polling_rs.app is not None
    revoked = polling_rs.app[REVOCATION].revoked
    loop = asyncio.get_running_loop()
    revoked_at = loop.time()
    await until(lambda: claims["jti"] in revoked)
    assert loop.time() - revoked_at < INTERVAL + 0.5
    response = await polling_rs.get("/account", headers=bearer(token))
    assert response.status == 401
    assert challenge(response)["error_description"] == "the token has been revoked"
    assert await status(polling_rs, issuer.token()) == 200, "other tokens are untouched"


async def test_a_revoked_token_never_seen_before_is_refused(
    polling_rs: RSClient, issuer: TestIssuer
) -> None:
    claims = issuer.claims()
    issuer.revoke(claims["jti"], claims["exp"])
    await until(lambda: len(issuer.feed_cursors) >= 3)
    assert await status(polling_rs, issuer.token(claims)) == 401


async def test_pages_are_read_while_more_and_the_cursor_is_kept(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    issuer.feed_enabled, issuer.feed_page_size = True, 2
    jtis = [f"revoked-{n}" for n in range(5)]
    for jti in jtis:
        issuer.revoke(jti)
    rs = await start_rs(revocation_poll_interval=30, **CREDENTIALS)
    await until(lambda: len(issuer.feed_cursors) >= 3)
    await asyncio.sleep(0.05)
    assert issuer.feed_cursors == [None, "2", "4"], "one poll reads every page, then waits"
    for jti in jtis:
        assert await status(rs, issuer.token(issuer.claims(jti=jti))) == 401
    assert rs.app is not None
    assert await rs.app[REVOCATION].poll(rs.app[HTTP_CLIENT])
    assert issuer.feed_cursors[-1] == "5"


async def test_an_unreachable_feed_keeps_the_set_and_says_so_once(
    polling_rs: RSClient, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="resource_server")
    claims = issuer.claims()
    issuer.revoke(claims["jti"], claims["exp"])
    await until(lambda: len(issuer.feed_cursors) >= 3)
    issuer.feed_failing = True
    seen = len(issuer.feed_cursors)
    await until(lambda: len(issuer.feed_cursors) >= seen + 3)
    assert await status(polling_rs, issuer.token(claims)) == 401, "the held set still applies"
    ready = await polling_rs.get("/readyz")
    assert ready.status == 200
    report = (await ready.json())["revocation_feed"]
    assert report["revoked"] == 1
    assert report["last_poll_age_seconds"] >= 2 * INTERVAL
    messages = [record.getMessage() for record in caplog.records]
    assert sum("cannot read the revocation feed" in m for m in messages) == 1
    issuer.feed_failing = False
    await until(lambda: any("feed is reachable again" in r.getMessage() for r in caplog.records))
    fresh = await polling_rs.get("/readyz")
    assert (await fresh.json())["revocation_feed"]["last_poll_age_seconds"] < 1


async def test_wrong_client_credentials_leave_the_server_serving(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    issuer.feed_enabled = True
    rs = await start_rs(
        revocation_poll_interval=INTERVAL, client_id=FEED_CLIENT_ID, client_secret="wrong"
    )
    await until(lambda: len(issuer.feed_cursors) >= 2)
    ready = await (await rs.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert ready["revocation_feed"]["last_poll_age_seconds"] is None
    assert any("HTTP 401" in record.getMessage() for record in caplog.records)
    assert await status(rs, issuer.token()) == 200


async def test_an_issuer_without_a_feed_is_reported_once(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    rs = await start_rs(
        revocation_poll_interval=INTERVAL, client_id=FEED_CLIENT_ID, client_secret="x"
    )
    await until(lambda: issuer.metadata_fetches >= 4)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("revocation_feed_endpoint" in m for m in messages) == 1
    assert await status(rs, issuer.token()) == 200


async def test_without_polling_there_is_no_feed_report(rs: RSClient, issuer: TestIssuer) -> None:
    assert "revocation_feed" not in await (await rs.get("/readyz")).json()
    assert issuer.feed_cursors == []


def test_revocations_are_forgotten_after_exp_and_leeway() -> None:
    revoked = RevokedJtis()
    revoked.add("a", exp=100, leeway=30)
    revoked.add("b", exp=200, leeway=30)
    revoked.add("a", exp=50, leeway=30)
    assert revoked.prune(now=129) == 0
    assert revoked.prune(now=130) == 1
    assert "a" not in revoked
    assert "b" in revoked


def test_pages_are_parsed_strictly() -> None:
    page = parse_page(
        {
            "revoked": [
                {"jti": "a", "exp": 10},
                {"jti": "b"},
                {"exp": 5},
                "junk",
                {"jti": ""},
                {"jti": "c", "exp": float("inf")},
                {"jti": "d", "exp": 10**400},
            ],
            "cursor": "c",
            "more": True,
        },
        now=1000.0,
    )
    day_later = 1000.0 + 86_400
    assert page.revoked == (("a", 10.0), ("b", day_later), ("c", day_later), ("d", day_later))
    assert (page.cursor, page.more) == ("c", True)
    for bad in (
        {"revoked": {}, "cursor": "c"},
        {"revoked": [], "more": True},
        {"revoked": [], "cursor": 5},
        {"revoked": [], "more": "yes"},
    ):
        with pytest.raises(FetchError, match="revocation feed"):
            parse_page(bad, now=0.0)


def test_client_authentication_form_urlencodes_before_base64() -> None:
    assert basic_authorization("a b", "c:d/e") == "Basic YStiOmMlM0FkJTJGZQ=="
