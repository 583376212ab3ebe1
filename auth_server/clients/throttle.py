"""Throttling of failed client authentication, per (client id, address) pair.

Client secrets are 256 random bits, so guessing is not the threat; floods are (every failed
attempt costs a lookup and a log line). Counting per client alone would let anyone lock a real
client out by failing on its behalf, and per address alone would lock out everyone behind one
proxy. Each attempt is counted in the database (shared by every worker and replica) before its
secret is checked, and an attempt that authenticates gives itself back: the count is of
failures, plus attempts still being checked.
"""

from __future__ import annotations

from shared.errors import TooManyAttempts
from shared.throttle import Attempt, Limit, Throttle

PAIR = Limit("client-auth", allowed=30, window=60)


class ClientAuthThrottle:
    """Refuses a pair for the rest of the window once it has failed too often."""

    def __init__(self, throttle: Throttle, limit: Limit = PAIR) -> None:
        self._throttle = throttle
        self._limit = limit

    async def attempt(self, client_id: str, address: str) -> Attempt:
        """Count one attempt; TooManyAttempts (429) if the pair is over its allowance."""
        # The address first: it has no spaces, so no two pairs share a key.
        attempt = await self._throttle.attempt(self._limit, f"{address} {client_id}")
        if not attempt.allowed:
            raise TooManyAttempts(
                "too many failed client authentications from this address;"
                f" retry after {attempt.retry_after} seconds",
                retry_after=attempt.retry_after,
            )
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        """The client authenticated: its attempt does not count."""
        await self._throttle.give_back(attempt)
