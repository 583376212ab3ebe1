"""Revocations reaching this server: the issuer's feed of revoked `jti`s, polled."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import aiohttp

from shared.fetch import FetchError, get_json

log = logging.getLogger(__name__)

METADATA_PATH = "/.well-known/oauth-authorization-server"
FEED_FIELD = "revocation_feed_endpoint"
MAX_PAGE_BYTES = 1024 * 1024
# A feed that always says `more` must not keep one poll going for ever.
MAX_PAGES_PER_POLL = 1000
# A `jti` whose `exp` the feed did not give is kept this long (longer than any access token).
UNKNOWN_EXP_SECONDS = 86_400


class RevokedJtis(dict[str, float]):
    """Revoked `jti` -> the epoch second after which its token is expired anyway."""

    def add(self, jti: str, exp: float, leeway: int) -> None:
        """Remember a revocation until the token's `exp` plus the leeway."""
        self[jti] = max(self.get(jti, 0.0), exp + leeway)

    def prune(self, now: float) -> int:
        """Forget revocations of tokens that have expired; how many went."""
        gone = [jti for jti, until in self.items() if until <= now]
        for jti in gone:
            del self[jti]
        return len(gone)


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of the feed: revoked (`jti`, `exp`) pairs, the next cursor, whether more."""

    revoked: tuple[tuple[str, float], ...]
    cursor: str | None
    more: bool


def parse_page(body: dict[str, Any], now: float) -> FeedPage:
    """The feed's JSON, checked: entries without a string `jti` cannot be honoured."""
    entries = body.get("revoked")
    cursor = body.get("cursor")
    more = body.get("more", False)
    if not isinstance(entries, list) or not isinstance(more, bool):
        raise FetchError("the revocation feed's page is malformed")
    if cursor is not None and not isinstance(cursor, str):
        raise FetchError("the revocation feed's cursor is not a string")
    if more and cursor is None:
        raise FetchError("the revocation feed says more but gives no cursor")
    revoked = []
    for entry in entries:
        jti = entry.get("jti") if isinstance(entry, dict) else None
        if not isinstance(jti, str) or not jti:
            log.warning("revocation feed entry without a jti skipped")
            continue
        revoked.append((jti, _expiry(entry.get("exp"), now)))
    return FeedPage(tuple(revoked), cursor, more)


def _expiry(exp: Any, now: float) -> float:
    """The entry's `exp` as a number; kept for a day when it is missing or absurd."""
    if isinstance(exp, int | float) and not isinstance(exp, bool) and 0 < exp < 1e12:
        return float(exp)
    return now + UNKNOWN_EXP_SECONDS


def basic_authorization(client_id: str, client_secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret form-urlencoded, then HTTP Basic (RFC 7617)."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


class RevocationPoller:
    """Reads the issuer's feed every `interval` seconds into the set the validator consults;
    when the feed cannot be reached, the set already held stays in force."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        interval: float,
        leeway: int,
        revoked: RevokedJtis,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._authorization = {"Authorization": basic_authorization(client_id, client_secret)}
        self.interval = interval
        self._leeway = leeway
        self.revoked = revoked
        self._clock = clock
        self._endpoint: str | None = None
        self._cursor: str | None = None
        self._last_success: float | None = None
        self._reachable = True

    def age(self) -> float | None:
        """Seconds since the last poll that reached the end of the feed; None before one."""
        return None if self._last_success is None else self._clock() - self._last_success

    async def run(self, session: aiohttp.ClientSession) -> None:
        """Poll, then wait the interval, for ever."""
        while True:
            try:
                await self.poll(session)
            except Exception:  # a bug must not end revocation for good
                log.exception("unexpected error while reading the revocation feed")
            await asyncio.sleep(self.interval)

    async def poll(self, session: aiohttp.ClientSession) -> bool:
        """Read every page after the cursor; True when the feed was read to its end."""
        try:
            endpoint = self._endpoint or await self._discover(session)
            self._endpoint = endpoint
            await self._read_pages(session, endpoint)
        except FetchError as exc:
            self._note_failure(str(exc))
            return False
        self.revoked.prune(time.time())
        self._last_success = self._clock()
        if not self._reachable:
            log.warning("the revocation feed is reachable again at %s", self._endpoint)
        self._reachable = True
        return True

    async def _read_pages(self, session: aiohttp.ClientSession, endpoint: str) -> None:
        """Apply page after page while the feed says there is more."""
        for _ in range(MAX_PAGES_PER_POLL):
            params = None if self._cursor is None else {"after": self._cursor}
            document = await get_json(
                session, endpoint, limit=MAX_PAGE_BYTES, headers=self._authorization, params=params
            )
            page = parse_page(document.body, time.time())
            for jti, exp in page.revoked:
                self.revoked.add(jti, exp, self._leeway)
            self._cursor = page.cursor if page.cursor is not None else self._cursor
            if not page.more:
                return
        log.warning("the revocation feed still has more after %d pages", MAX_PAGES_PER_POLL)

    async def _discover(self, session: aiohttp.ClientSession) -> str:
        """The feed's URL, from the issuer's RFC 8414 metadata (our extension field)."""
        metadata = await get_json(session, self._issuer + METADATA_PATH, limit=MAX_PAGE_BYTES)
        if metadata.body.get("issuer") != self._issuer:
            raise FetchError(f"the metadata at {self._issuer} names another issuer")
        endpoint = metadata.body.get(FEED_FIELD)
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise FetchError(f"the issuer's metadata names no usable {FEED_FIELD}")
        return endpoint

    def _note_failure(self, problem: str) -> None:
        """Say once that the feed cannot be read, not on every interval."""
        if self._reachable:
            log.warning(
                "cannot read the revocation feed (%s); keeping %d revoked jtis, retrying every"
                " %g s",
                problem,
                len(self.revoked),
                self.interval,
            )
        self._reachable = False
