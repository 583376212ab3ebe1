"""The key cache: one fetch however many wait, a cooldown, backoff, and outages survived."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from resource_server.appkeys import VALIDATOR
from resource_server.jwks import backoff
from shared.fetch import refresh_interval
from tests.resource_server.conftest import RSClient, StartRS, bearer, until, wait_ready
from tests.resource_server.issuer import TestIssuer, new_key, public_jwk

GHOST_KEY = new_key()


def ghost_token(issuer: TestIssuer) -> str:
    """Signed by a key the issuer never publishes, under a `kid` nobody knows."""
    return issuer.token(key=GHOST_KEY, kid=f"ghost-{time.monotonic_ns()}")


async def statuses(rs: RSClient, tokens: list[str]) -> list[int]:
    responses = await asyncio.gather(*(rs.get("/account", headers=bearer(t)) for t in tokens))
    return [response.status for response in responses]


def warnings_about(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


async def test_start_up_discovers_the_jwks_uri_and_fetches_once(
    rs: RSClient, issuer: TestIssuer
) -> None:
    assert (issuer.metadata_fetches, issuer.jwks_fetches) == (1, 1)
    assert (await rs.get("/account", headers=bearer(issuer.token()))).status == 200


async def test_a_configured_jwks_uri_skips_discovery(start_rs: StartRS, issuer: TestIssuer) -> None:
    rs = await start_rs(jwks_uri=issuer.issuer + "/jwks.json")
    assert (issuer.metadata_fetches, issuer.jwks_fetches) == (0, 1)
    assert (await rs.get("/account", headers=bearer(issuer.token()))).status == 200


async def test_new_kid_under_100_concurrent_requests_costs_one_fetch(
    rs: RSClient, issuer: TestIssuer
) -> None:
    rotated = new_key()
    issuer.published.append(public_jwk(rotated, "k2"))
    issuer.delay = 0.1
    tokens = [issuer.token(key=rotated, kid="k2") for _ in range(100)]
    assert await statuses(rs, tokens) == [200] * 100
    assert issuer.jwks_fetches == 2


async def test_unknown_kid_under_100_concurrent_requests_costs_one_fetch(
    rs: RSClient, issuer: TestIssuer
) -> None:
    issuer.delay = 0.1
    token = issuer.token(key=GHOST_KEY, kid="ghost")
    assert await statuses(rs, [token] * 100) == [401] * 100
    assert issuer.jwks_fetches == 2
    assert await statuses(rs, [ghost_token(issuer) for _ in range(10)]) == [401] * 10
    assert issuer.jwks_fetches == 2, "inside the cooldown nothing is fetched"


async def test_cooldown_is_honoured(start_rs: StartRS, issuer: TestIssuer) -> None:
    rs = await start_rs(jwks_cooldown=0.3)
    await statuses(rs, [ghost_token(issuer)])
    assert issuer.jwks_fetches == 2
    await statuses(rs, [ghost_token(issuer)])
    assert issuer.jwks_fetches == 2
    await asyncio.sleep(0.35)
    await statuses(rs, [ghost_token(issuer)])
    assert issuer.jwks_fetches == 3


async def test_known_kid_with_a_bad_signature_fetches_nothing(
    rs: RSClient, issuer: TestIssuer
) -> None:
    assert await statuses(rs, [issuer.token(key=GHOST_KEY)] * 5) == [401] * 5
    assert issuer.jwks_fetches == 1


async def test_not_ready_until_keys_arrive(start_rs: StartRS, issuer: TestIssuer) -> None:
    issuer.gate = asyncio.Event()
    rs = await start_rs(wait=False)
    response = await rs.get("/readyz")
    assert response.status == 503
    assert "keys" in " ".join((await response.json())["problems"])
    issuer.gate.set()
    await wait_ready(rs)
    assert (await rs.get("/account", headers=bearer(issuer.token()))).status == 200


async def test_start_up_retries_with_backoff_and_logs_once(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="resource_server")
    issuer.failing = True
    rs = await start_rs(wait=False)
    await until(lambda: issuer.jwks_fetches >= 2)
    assert (await rs.get("/readyz")).status == 503
    issuer.failing = False
    await wait_ready(rs)
    assert warnings_about(caplog, "cannot fetch the issuer's keys") == 1
    assert warnings_about(caplog, "reachable again") == 1


async def test_requests_before_keys_arrive_are_503_not_401(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    issuer.failing = True
    rs = await start_rs(wait=False, jwks_cooldown=0.01)
    response = await rs.get("/account", headers=bearer(issuer.token()))
    assert response.status == 503
    assert (await response.json())["error"] == "temporarily_unavailable"


async def test_held_keys_survive_an_issuer_outage(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="resource_server")
    rs = await start_rs(jwks_cooldown=0.05)
    issuer.failing = True
    for _ in range(3):
        assert await statuses(rs, [ghost_token(issuer)]) == [401]
        await asyncio.sleep(0.06)
    assert issuer.jwks_fetches == 4
    assert await statuses(rs, [issuer.token() for _ in range(3)]) == [200] * 3
    assert (await rs.get("/readyz")).status == 200
    assert warnings_about(caplog, "cannot fetch the issuer's keys") == 1
    issuer.failing = False
    await statuses(rs, [ghost_token(issuer)])
    assert warnings_about(caplog, "reachable again") == 1


async def test_an_oversize_jwks_is_refused_and_held_keys_kept(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    rs = await start_rs(jwks_cooldown=0.01)
    padding = [{"kty": "oct", "kid": f"pad{i}", "k": "x" * 1000} for i in range(300)]
    issuer.raw_jwks = json.dumps({"keys": [*issuer.published, *padding]}).encode()
    assert await statuses(rs, [ghost_token(issuer)]) == [401]
    assert warnings_about(caplog, "larger than") == 1
    assert await statuses(rs, [issuer.token()]) == [200]


async def test_metadata_naming_another_issuer_is_not_trusted(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    issuer.claimed_issuer = "http://elsewhere.test"
    rs = await start_rs(wait=False)
    await until(lambda: issuer.metadata_fetches >= 2)
    assert issuer.jwks_fetches == 0
    assert (await rs.get("/readyz")).status == 503


async def test_a_key_dropped_from_the_jwks_stops_validating_cached_tokens(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    rs = await start_rs(jwks_cooldown=0.01)
    token = issuer.token()
    assert await statuses(rs, [token]) == [200]
    rotated = new_key()
    issuer.published = [public_jwk(rotated, "k2")]
    assert await statuses(rs, [issuer.token(key=rotated, kid="k2")]) == [200]
    assert await statuses(rs, [token]) == [401]


async def test_only_public_signing_keys_of_allowed_algorithms_are_used(
    start_rs: StartRS, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    leaked, small, rs512 = new_key(), new_key(1024), new_key()
    private_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(leaked, as_dict=True)
    issuer.published += [
        {**private_jwk, "kid": "leaked", "use": "sig", "alg": "RS256"},
        public_jwk(small, "small"),
        public_jwk(rs512, "rs512", alg="RS512"),
        public_jwk(new_key(), "enc", use="enc"),
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256"},
    ]
    rs = await start_rs()
    tokens = [
        issuer.token(key=leaked, kid="leaked"),
        issuer.token(key=small, kid="small"),
        issuer.token(key=rs512, kid="rs512", alg="RS512"),
        issuer.token(key=rs512, kid="rs512"),
    ]
    assert await statuses(rs, tokens) == [401] * 4
    assert await statuses(rs, [issuer.token()]) == [200]
    assert warnings_about(caplog, "private key material") == 1
    assert issuer.jwks_fetches == 1


async def test_ec_keys_work_when_es256_is_allowed(start_rs: StartRS, issuer: TestIssuer) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    issuer.published.append({**jwk, "kid": "ec1", "use": "sig"})
    rs = await start_rs(algorithms=("RS256", "ES256"))
    headers = {"kid": "ec1", "typ": "at+jwt"}
    token = jwt.encode(issuer.claims(), key, algorithm="ES256", headers=headers)
    assert await statuses(rs, [token, issuer.token()]) == [200, 200]
    other_rs = await start_rs()
    assert await statuses(other_rs, [token]) == [401]


async def test_cache_control_sets_the_refresh_schedule(
    start_rs: StartRS, issuer: TestIssuer
) -> None:
    issuer.cache_control = "public, max-age=120"
    rs = await start_rs()
    assert rs.app is not None
    assert rs.app[VALIDATOR].keys.refresh_after == 120


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 300),
        ("public, max-age=600", 600),
        ('max-age="120"', 120),
        ("public, max-age=5", 60),
        ("max-age=999999999", 86_400),
        ("no-store", 60),
        ("no-cache, max-age=600", 60),
        ("public", 300),
        ("s-maxage=10", 300),
    ],
)
def test_refresh_interval_honours_max_age_within_bounds(header: str | None, seconds: int) -> None:
    assert refresh_interval(header) == seconds


def test_backoff_grows_and_is_capped() -> None:
    assert 0.15 <= backoff(0) <= 0.2
    assert 0.3 <= backoff(1) <= 0.4
    assert 22.5 <= backoff(50) <= 30.0
