"""The trusted issuer's published keys: fetched at start-up, refreshed, kept through outages."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping

import aiohttp
import jwt

from resource_server.jwk import KeyId, KeySet, accept_jwks
from shared.fetch import DEFAULT_MAX_AGE, FetchError, IssuerLink, get_json, refresh_interval

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 256 * 1024
RETRY_FIRST = 0.2
RETRY_MAX = 30.0


def backoff(attempt: int) -> float:
    """Exponential delay before retry `attempt` (0-based), with jitter so replicas spread."""
    delay = min(RETRY_MAX, RETRY_FIRST * 2.0 ** min(attempt, 32))
    return delay * random.uniform(0.75, 1.0)  # noqa: S311 - jitter, not a secret


class JwksCache:
    """One issuer's keys in memory; at most one fetch in flight however many callers wait."""

    def __init__(
        self,
        *,
        issuer: str,
        algorithms: Iterable[str],
        cooldown: float,
        jwks_uri: str | None = None,
        back_channel: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_fetch: Callable[[bool], None] | None = None,
    ) -> None:
        self._issuer = IssuerLink(issuer, back_channel or issuer)
        self._algorithms = tuple(algorithms)
        self._cooldown = cooldown
        self._jwks_uri = jwks_uri
        self._clock = clock
        self._on_fetch = on_fetch
        self._keys: KeySet = KeySet({}, frozenset(), ())
        # The keys by (`kid`, `alg`), an attribute so that the token cache's hot path can test
        # membership without a call; replaced, never changed, with the key set.
        self.held: Mapping[KeyId, jwt.PyJWK] = self._keys.keys
        self._session: aiohttp.ClientSession | None = None
        self._inflight: asyncio.Task[bool] | None = None
        self._last_on_demand = -float("inf")
        self._reachable = True
        self._max_age = DEFAULT_MAX_AGE

    @property
    def ready(self) -> bool:
        """Keys are held, so tokens can be checked."""
        return bool(self._keys.keys)

    @property
    def refresh_after(self) -> int:
        """Seconds between scheduled fetches, from the last JWKS's Cache-Control."""
        return self._max_age

    def get(self, key_id: KeyId) -> jwt.PyJWK | None:
        """The held key for (`kid`, `alg`), without fetching."""
        return self._keys.keys.get(key_id)

    def holds(self, key_id: KeyId) -> bool:
        """The key is still published (a removed key invalidates what it verified)."""
        return key_id in self.held

    async def key_for(self, kid: str, alg: str) -> jwt.PyJWK | None:
        """The key for a token's header; an unknown `kid` may cause one fetch per cooldown."""
        key = self._keys.keys.get((kid, alg))
        if key is not None or kid in self._keys.published or self._session is None:
            return key
        if self._inflight is None:
            now = self._clock()
            if now - self._last_on_demand < self._cooldown:
                return None
            self._last_on_demand = now
        await self.refresh()
        return self._keys.keys.get((kid, alg))

    async def refresh(self) -> bool:
        """Fetch the keys once; callers arriving meanwhile share that fetch; True on success."""
        if self._session is None:
            raise RuntimeError("JwksCache.run() has not been started")
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._fetch(self._session))
            self._inflight.add_done_callback(self._fetch_done)
        # A caller that goes away (client disconnect) must not cancel everyone's fetch.
        return await asyncio.shield(self._inflight)

    def _fetch_done(self, task: asyncio.Task[bool]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def run(self, session: aiohttp.ClientSession) -> None:
        """Fetch until keys are held (with backoff), then refresh when max-age says so."""
        self._session = session
        failures = 0
        while True:
            if await self._refresh_logged():
                failures = 0
                await asyncio.sleep(self._max_age)
            else:
                await asyncio.sleep(backoff(failures))
                failures += 1

    async def _refresh_logged(self) -> bool:
        """A refresh whose unexpected failure is logged instead of ending the loop."""
        try:
            return await self.refresh()
        except Exception:
            log.exception("unexpected error while fetching the issuer's keys")
            return False

    async def close(self) -> None:
        """Stop any fetch in flight; used when the application shuts down."""
        task, self._inflight = self._inflight, None
        self._session = None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _fetch(self, session: aiohttp.ClientSession) -> bool:
        try:
            jwks_uri = self._jwks_uri or await self._discover(session)
            document = await get_json(session, jwks_uri, limit=MAX_DOCUMENT_BYTES)
            keys = accept_jwks(document.body, self._algorithms)
            if not keys.keys:
                raise FetchError(f"{jwks_uri}: no usable key ({'; '.join(keys.skipped)})")
        except (FetchError, ValueError) as exc:
            self._note_failure(str(exc))
            if self._on_fetch is not None:
                self._on_fetch(False)
            return False
        if self._on_fetch is not None:
            self._on_fetch(True)
        if keys.keys.keys() != self._keys.keys.keys():
            held = ", ".join(f"{kid} ({alg})" for kid, alg in sorted(keys.keys))
            log.info("holding keys %s from %s", held, jwks_uri)
            for reason in keys.skipped:
                log.warning("JWKS key skipped: %s", reason)
        self._jwks_uri = jwks_uri
        self._keys = keys
        self.held = keys.keys
        self._max_age = refresh_interval(document.cache_control)
        self._note_success(jwks_uri)
        return True

    async def _discover(self, session: aiohttp.ClientSession) -> str:
        """RFC 8414 §3: the issuer's metadata names its `jwks_uri`."""
        link = self._issuer
        metadata = await get_json(session, link.metadata_url, limit=MAX_DOCUMENT_BYTES)
        # RFC 8414 §3.3: the metadata's issuer must be the one we trust.
        if metadata.body.get("issuer") != link.issuer:
            raise FetchError(f"the metadata at {link.back_channel} names another issuer")
        jwks_uri = metadata.body.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise FetchError(f"the metadata at {link.back_channel} has no usable jwks_uri")
        return link.reach(jwks_uri)

    def _note_failure(self, problem: str) -> None:
        """Say once that the issuer is unreachable, not on every retry."""
        if self._reachable:
            held = len(self._keys.keys)
            log.warning("cannot fetch the issuer's keys (%s); keeping %d held keys", problem, held)
        self._reachable = False

    def _note_success(self, jwks_uri: str) -> None:
        if not self._reachable:
            log.warning("the issuer's keys are reachable again at %s", jwks_uri)
        self._reachable = True
