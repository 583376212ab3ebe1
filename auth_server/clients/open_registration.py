"""Anonymous registration (SPEC "Open registration", RFC 7591 §3 without an initial access
token, as MCP clients register): how many registrations one address may make."""

from __future__ import annotations

from shared.errors import TooManyAttempts
from shared.throttle import Attempt, Limit, Throttle

PER_ADDRESS = Limit("open-registration", allowed=20, window=3600)


class RegistrationThrottle:
    """At most 20 anonymous registrations per address an hour, counted in the database
    before the client is stored, so parallel requests cannot pass the limit."""

    def __init__(self, throttle: Throttle, limit: Limit = PER_ADDRESS) -> None:
        self._throttle = throttle
        self._limit = limit

    async def attempt(self, address: str) -> Attempt:
        """Count one registration; TooManyAttempts (429, Retry-After) past the limit."""
        attempt = await self._throttle.attempt(self._limit, address)
        if not attempt.allowed:
            raise TooManyAttempts(
                f"too many registrations from this address; retry after {attempt.retry_after}"
                " seconds",
                retry_after=attempt.retry_after,
            )
        return attempt

    async def refused(self, attempt: Attempt) -> None:
        """The request was refused before anything was stored: it does not count."""
        await self._throttle.give_back(attempt)
