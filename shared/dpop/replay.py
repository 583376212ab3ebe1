"""The `jti`s of proofs seen in this process (RFC 9449 §11.1), bounded in count and time."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

DEFAULT_ENTRIES = 200_000


class ReplayCache:
    """Each key is kept until its proof expires; when full of live keys, new ones are refused
    (failing closed: a forgotten `jti` could be replayed)."""

    def __init__(
        self, max_entries: int = DEFAULT_ENTRIES, clock: Callable[[], float] = time.time
    ) -> None:
        self._max = max_entries
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def first_use(self, key: str, expires_at: float) -> bool:
        """Remember `key` until `expires_at`; False if it is already remembered, or if the
        cache is full of keys that have not expired."""
        now = self._clock()
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, old = heapq.heappop(heap)
            if self._expiry.get(old, now + 1) <= now:
                del self._expiry[old]
        if key in self._expiry:
            return False
        if len(self._expiry) >= self._max:
            return False
        self._expiry[key] = expires_at
        heapq.heappush(heap, (expires_at, key))
        return True
