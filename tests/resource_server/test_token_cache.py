"""A repeated token costs no RSA verification; the cache is bounded and honours `exp`."""

from __future__ import annotations

import asyncio
import time

from resource_server.appkeys import VALIDATOR
from resource_server.token_cache import KEY_CHARS, TokenCache
from tests.resource_server.conftest import RSClient, StartRS, bearer, challenge
from tests.resource_server.issuer import TestIssuer


def test_an_entry_is_dropped_at_its_time() -> None:
    cache: TokenCache[str] = TokenCache()
    cache.put("a", "token", drop_at=100.0)
    assert cache.get("a", now=99.9) == "token"
    assert cache.get("a", now=100.0) is None
    assert len(cache) == 0


def test_the_oldest_entry_goes_first() -> None:
    cache: TokenCache[int] = TokenCache(size=2)
    cache.put("a", 1, drop_at=1e12)
    cache.put("b", 2, drop_at=1e12)
    assert cache.get("a", now=0) == 1
    cache.put("c", 3, drop_at=1e12)
    assert cache.get("a", now=0) is None
    assert (cache.get("b", now=0), cache.get("c", now=0)) == (2, 3)
    assert len(cache) == 2


def test_a_token_that_ends_like_a_cached_one_is_not_found() -> None:
    cache: TokenCache[str] = TokenCache()
    tail = "s" * KEY_CHARS
    cache.put("first." + tail, "first", drop_at=1e12)
    assert cache.get("other." + tail, now=0) is None
    cache.discard("other." + tail)
    assert cache.get("first." + tail, now=0) == "first"


async def test_a_repeated_token_is_verified_once(rs: RSClient, issuer: TestIssuer) -> None:
    assert rs.app is not None
    validator = rs.app[VALIDATOR]
    token = issuer.token()
    for _ in range(5):
        assert (await rs.get("/account", headers=bearer(token))).status == 200
    assert validator.verifications == 1
    assert (await rs.get("/account", headers=bearer(issuer.token()))).status == 200
    assert validator.verifications == 2


async def test_a_cached_token_expires_with_its_exp(start_rs: StartRS, issuer: TestIssuer) -> None:
    rs = await start_rs(leeway=0)
    exp = int(time.time()) + 1
    token = issuer.token(issuer.claims(exp=exp))
    assert (await rs.get("/account", headers=bearer(token))).status == 200
    await asyncio.sleep(max(0.0, exp - time.time()) + 0.01)  # under a second
    response = await rs.get("/account", headers=bearer(token))
    assert response.status == 401
    assert challenge(response)["error_description"] == "the token has expired"
