"""Revocations reaching this server: the issuer's feed of revoked `jti`s, and of clients and
users whose every token issued up to a time is void, polled."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import aiohttp

from shared.fetch import FetchError, IssuerLink, get_json

log = logging.getLogger(__name__)

FEED_FIELD = "revocation_feed_endpoint"
MAX_PAGE_BYTES = 1024 * 1024
# A feed that always says `more` must not keep one poll going for ever.
MAX_PAGES_PER_POLL = 1000
# A `jti` whose `exp` the feed did not give is kept this long (longer than any access token).
UNKNOWN_EXP_SECONDS = 86_400


# The claims a feed entry without `jti` can void tokens by (a deleted client, a disabled user).
SUBJECT_CLAIMS = ("client_id", "sub")


class VoidedSubjects:
    """(claim, value) -> (the latest `iat` that is void, the epoch second after which every
    such token is expired anyway)."""

    def __init__(self) -> None:
        # Public so that a validator can skip the call when there is no entry at all.
        self.entries: dict[tuple[str, str], tuple[float, float]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, claim: str, value: str, issued_before: float, until: float) -> None:
        """Void tokens with this claim value issued at or before `issued_before`."""
        old_before, old_until = self.entries.get((claim, value), (0.0, 0.0))
        self.entries[(claim, value)] = (max(old_before, issued_before), max(old_until, until))

    def voids(self, claims: Mapping[str, Any]) -> bool:
        """Whether an entry voids a token with these claims."""
        if not self.entries:
            return False
        iat = claims.get("iat")
        for claim in SUBJECT_CLAIMS:
            value = claims.get(claim)
            entry = self.entries.get((claim, value)) if isinstance(value, str) else None
            if entry is not None and (not isinstance(iat, int | float) or iat <= entry[0]):
                return True
        return False

    def prune(self, now: float) -> int:
        """Forget entries whose tokens have all expired; how many went."""
        gone = [key for key, (_, until) in self.entries.items() if until <= now]
        for key in gone:
            del self.entries[key]
        return len(gone)


class RevokedJtis(dict[str, float]):
    """Revoked `jti` -> the epoch second after which its token is expired anyway; and, in
    `subjects`, the clients and users whose tokens are void."""

    def __init__(self) -> None:
        super().__init__()
        self.subjects = VoidedSubjects()

    def add(self, jti: str, exp: float, leeway: int) -> None:
        """Remember a revocation until the token's `exp` plus the leeway."""
        self[jti] = max(self.get(jti, 0.0), exp + leeway)

    def prune(self, now: float) -> int:
        """Forget revocations of tokens that have expired; how many went."""
        gone = [jti for jti, until in self.items() if until <= now]
        for jti in gone:
            del self[jti]
        return len(gone) + self.subjects.prune(now)


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of the feed: revoked (`jti`, `exp`) pairs, the next cursor, whether more, and
    voided (claim, value, `issued_before`, `exp`) subjects."""

    revoked: tuple[tuple[str, float], ...]
    cursor: str | None
    more: bool
    voided: tuple[tuple[str, str, float, float], ...] = ()


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
    revoked, voided = [], []
    for entry in entries:
        jti = entry.get("jti") if isinstance(entry, dict) else None
        if isinstance(jti, str) and jti:
            revoked.append((jti, _expiry(entry.get("exp"), now)))
        elif (subject := _voided_subject(entry, now)) is not None:
            voided.append(subject)
        else:
            log.warning("revocation feed entry without a jti skipped")
    return FeedPage(tuple(revoked), cursor, more, tuple(voided))


def _voided_subject(entry: Any, now: float) -> tuple[str, str, float, float] | None:
    """A `{"client_id" or "sub", "issued_before", "exp"}` entry; None for anything else."""
    if not isinstance(entry, dict):
        return None
    before = entry.get("issued_before")
    if not isinstance(before, int | float) or isinstance(before, bool):
        return None
    for claim in SUBJECT_CLAIMS:
        value = entry.get(claim)
        if isinstance(value, str) and value:
            return claim, value, float(before), _expiry(entry.get("exp"), now)
    return None


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
        back_channel: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = IssuerLink(issuer, back_channel or issuer)
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
            for claim, value, issued_before, exp in page.voided:
                self.revoked.subjects.add(claim, value, issued_before, exp + self._leeway)
            self._cursor = page.cursor if page.cursor is not None else self._cursor
            if not page.more:
                return
        log.warning("the revocation feed still has more after %d pages", MAX_PAGES_PER_POLL)

    async def _discover(self, session: aiohttp.ClientSession) -> str:
        """The feed's URL, from the issuer's RFC 8414 metadata (our extension field)."""
        link = self._issuer
        metadata = await get_json(session, link.metadata_url, limit=MAX_PAGE_BYTES)
        if metadata.body.get("issuer") != link.issuer:
            raise FetchError(f"the metadata at {link.back_channel} names another issuer")
        endpoint = metadata.body.get(FEED_FIELD)
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise FetchError(f"the issuer's metadata names no usable {FEED_FIELD}")
        return link.reach(endpoint)

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
