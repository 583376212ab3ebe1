"""Throttling of failed client authentication, in each process's memory.

Client secrets are 256 random bits, so guessing is not the threat; floods are (every failed
attempt costs a lookup and a log line). Failures are counted per (address, client_id) pair:
counting per client alone would let anyone lock a real client out by failing on its behalf,
and per address alone would lock out everyone behind one proxy."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from shared.errors import TooManyAttempts

FAILURES_ALLOWED = 30
WINDOW_SECONDS = 60.0
# Bounds memory under a flood of distinct ids; the oldest pairs are forgotten first.
MAX_TRACKED = 10_000


class ClientAuthThrottle:
    """Refuses a pair for the rest of the window once it has failed too often."""

    def __init__(
        self,
        allowed: int = FAILURES_ALLOWED,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._allowed = allowed
        self._window = window
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def check(self, address: str, client_id: str) -> None:
        """TooManyAttempts (429) while this pair is over its allowance."""
        failures = self._failures.get((address, client_id))
        if failures is None:
            return
        now = self._clock()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if len(failures) >= self._allowed:
            retry_after = math.ceil(failures[0] + self._window - now)
            raise TooManyAttempts(
                "too many failed client authentications; retry later",
                retry_after=max(1, retry_after),
            )

    def failed(self, address: str, client_id: str) -> None:
        """Count one failure of this pair."""
        key = (address, client_id)
        failures = self._failures.pop(key, None) or deque(maxlen=self._allowed)
        failures.append(self._clock())
        self._failures[key] = failures
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)
