"""Throttling of sign-ins: per (username, address) pair and per address, never per account
alone, so that nobody can lock a person out by failing on their behalf from elsewhere.

Each attempt is counted (in the database, shared by every worker and replica) before its
password is checked. A successful sign-in clears its pair's count (whoever knows the password
need not guess it) and gives its one attempt back to the address; so the counts are of failed
attempts, plus those still being checked. Besides, each process checks at most a few passwords
at once for one address, so that no address can queue unbounded argon2 work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shared.throttle import Attempt, Limit, Throttle

WINDOW = 15 * 60
PAIR = Limit("signin-pair", allowed=5, window=WINDOW)
ADDRESS = Limit("signin-address", allowed=20, window=WINDOW)
# Password checks one address may have in flight in one process (argon2id: 64 MiB each).
IN_FLIGHT_PER_ADDRESS = 2


class TooManySignIns(Exception):
    """Refused before the password was checked; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(slots=True)
class SignInAttempt:
    """One counted attempt; set `succeeded` once the password proved right."""

    pair: Attempt
    address: Attempt
    succeeded: bool = False


class SignInThrottle:
    """The two sign-in limits over the shared attempt counts, and the in-flight bound."""

    def __init__(self, throttle: Throttle, in_flight: int = IN_FLIGHT_PER_ADDRESS) -> None:
        self._throttle = throttle
        self._in_flight_allowed = in_flight
        self._in_flight: Counter[str] = Counter()

    @asynccontextmanager
    async def attempt(self, username: str, address: str) -> AsyncIterator[SignInAttempt]:
        """Count an attempt and hold its place while the password is checked; raises
        TooManySignIns (before any password check) past a limit."""
        if self._in_flight[address] >= self._in_flight_allowed:
            raise TooManySignIns(1)
        self._in_flight[address] += 1
        try:
            attempt = await self._count(username, address)
            yield attempt
            if attempt.succeeded:
                await self._throttle.clear(PAIR, _pair_key(username, address))
                await self._throttle.give_back(attempt.address)
        finally:
            self._in_flight[address] -= 1
            if self._in_flight[address] <= 0:
                del self._in_flight[address]

    async def _count(self, username: str, address: str) -> SignInAttempt:
        pair = await self._throttle.attempt(PAIR, _pair_key(username, address))
        if not pair.allowed:
            raise TooManySignIns(pair.retry_after)
        per_address = await self._throttle.attempt(ADDRESS, address)
        if not per_address.allowed:
            await self._throttle.give_back(pair)  # refused for the address, not the pair
            raise TooManySignIns(per_address.retry_after)
        return SignInAttempt(pair, per_address)


def _pair_key(username: str, address: str) -> str:
    # The address first: it has no spaces, so no two pairs share a key.
    return f"{address} {username}"
