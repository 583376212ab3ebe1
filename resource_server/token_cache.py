"""Tokens already verified, so that a repeated token costs a lookup, not an RSA verification."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

DEFAULT_SIZE = 10_000

T = TypeVar("T")


class TokenCache(Generic[T]):
    """A bounded LRU map from a token to what verifying it produced. Keyed by the token
    itself: hashing it as a str costs less than a SHA-256, and only verified tokens (from
    the issuer, under 8 KiB) are ever stored."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        # token -> (value, epoch seconds from which it must not be used)
        self._entries: OrderedDict[str, tuple[T, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str, now: float) -> T | None:
        """The value, unless absent or past its time (then it is dropped)."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if now >= entry[1]:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry[0]

    def put(self, token: str, value: T, drop_at: float) -> None:
        """Remember a value; the least recently used entry goes when the cache is full."""
        self._entries[token] = (value, drop_at)
        self._entries.move_to_end(token)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def discard(self, token: str) -> None:
        self._entries.pop(token, None)
