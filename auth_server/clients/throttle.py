"""Throttling of failed client authentication, per (client id, address) pair.

Client secrets are 256 random bits, so guessing is not the threat; floods are (every failed
attempt costs a lookup and a log line). Counting per client alone would let anyone lock a real
client out by failing on its behalf, and per address alone would lock out everyone behind one
proxy. A secret's check costs microseconds, so it runs first, but nothing is answered until
the database (shared by every worker and replica) has spoken: a failure is counted by one
upsert and refused with 429 once past the allowance; a success reads the count and is refused
too once the failures have used it up. Successes write nothing, so a busy client's burst of
parallel requests never throttles itself.
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

    async def failed(self, client_id: str, address: str) -> None:
        """Count one failure; TooManyAttempts (429) once the pair is past its allowance."""
        _refuse_past_limit(await self._throttle.attempt(self._limit, _key(client_id, address)))

    async def succeeded(self, client_id: str, address: str) -> None:
        """The client authenticated: TooManyAttempts (429) if the pair's failures have used up
        its allowance, so a right guess past the limit is never told apart from a wrong one."""
        _refuse_past_limit(await self._throttle.standing(self._limit, _key(client_id, address)))


def _key(client_id: str, address: str) -> str:
    # The address first: it has no spaces, so no two pairs share a key.
    return f"{address} {client_id}"


def _refuse_past_limit(attempt: Attempt) -> None:
    if not attempt.allowed:
        raise TooManyAttempts(
            "too many failed client authentications from this address;"
            f" retry after {attempt.retry_after} seconds",
            retry_after=attempt.retry_after,
        )
