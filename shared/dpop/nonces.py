"""Server-provided DPoP nonces (RFC 9449 §8, §9): a keyed MAC of a time window, so every
worker holding the same key accepts every other's nonces without sharing state."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

DEFAULT_PERIOD = 300


class NonceSource:
    """Issues the current window's nonce; accepts it and the previous window's."""

    def __init__(
        self, key: bytes, period: int = DEFAULT_PERIOD, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = key
        self._period = period
        self._clock = clock

    def _nonce(self, window: int) -> str:
        mac = hmac.new(self._key, window.to_bytes(8, "big"), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(window.to_bytes(8, "big") + mac).decode("ascii")

    def current(self) -> str:
        return self._nonce(int(self._clock()) // self._period)

    def valid(self, nonce: str) -> bool:
        """A nonce of this window or the one before (so one issued just before a new
        window begins still works)."""
        window = int(self._clock()) // self._period
        return any(hmac.compare_digest(nonce, self._nonce(w)) for w in (window, window - 1))
