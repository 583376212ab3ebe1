"""RESOURCE_AUTH_SERVER_URL: the issuer reached at another address than its public URL (as in
containers), for its metadata, keys and revocation feed, while `iss` stays the public URL."""

from __future__ import annotations

import logging

import pytest

from resource_server.settings import Settings
from shared.fetch import FetchError, IssuerLink
from tests.resource_server.conftest import StartRS, bearer, until
from tests.resource_server.issuer import FEED_CLIENT_ID, FEED_CLIENT_SECRET, TestIssuer

PUBLIC = "http://auth.public.test"


async def test_keys_and_feed_come_through_the_back_channel(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    reachable, issuer.issuer = issuer.issuer, PUBLIC  # metadata, tokens: all say PUBLIC
    issuer.feed_enabled = True
    rs = await start_rs(
        issuer=PUBLIC,
        auth_server_url=reachable,
        revocation_poll_interval=0.1,
        client_id=FEED_CLIENT_ID,
        client_secret=FEED_CLIENT_SECRET,
    )
    claims = issuer.claims()
    token = issuer.token(claims)
    assert (await rs.get("/account", headers=bearer(token))).status == 200
    issuer.revoke(claims["jti"], claims["exp"])
    before = len(issuer.feed_cursors)
    await until(lambda: len(issuer.feed_cursors) >= before + 2)
    assert (await rs.get("/account", headers=bearer(token))).status == 401


async def test_the_issuer_is_still_checked_through_the_back_channel(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    reachable = issuer.issuer
    issuer.claimed_issuer = "http://impostor.test"
    rs = await start_rs(wait=False, issuer=PUBLIC, auth_server_url=reachable)
    await until(lambda: issuer.metadata_fetches >= 1)
    assert (await rs.get("/readyz")).status == 503
    assert "names another issuer" in caplog.text


def test_urls_under_the_issuer_move_to_the_back_channel() -> None:
    link = IssuerLink("https://id.example", "http://auth-server:8000")
    assert link.metadata_url == "http://auth-server:8000/.well-known/oauth-authorization-server"
    assert link.reach("https://id.example/jwks.json") == "http://auth-server:8000/jwks.json"
    assert link.reach("https://keys.example/jwks") == "https://keys.example/jwks"


def test_an_https_issuer_s_documents_come_over_https_only() -> None:
    link = IssuerLink("https://id.example", "https://id.example")
    assert link.reach("https://id.example/jwks.json") == "https://id.example/jwks.json"
    with pytest.raises(FetchError):
        link.reach("http://id.example/jwks.json")


def test_the_feed_is_read_every_10_s_once_the_client_is_set() -> None:
    assert Settings.from_env({}).revocation_poll_interval == 0
    with_client = {"RESOURCE_CLIENT_ID": "rs", "RESOURCE_CLIENT_SECRET": "s"}
    assert Settings.from_env(with_client).revocation_poll_interval == 10
    off = {**with_client, "RESOURCE_REVOCATION_POLL_INTERVAL": "0"}
    assert Settings.from_env(off).revocation_poll_interval == 0
    back = Settings.from_env({"RESOURCE_AUTH_SERVER_URL": "http://auth-server:8000/"})
    assert (back.back_channel, back.issuer) == ("http://auth-server:8000", "http://127.0.0.1:8000")


async def test_start_up_says_when_revocations_cannot_reach_this_server(
    start_rs: StartRS, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await start_rs()
    assert "revocation feed is not read" in caplog.text
