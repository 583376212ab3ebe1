"""Tokens already verified, so that a repeated token costs a lookup, not an RSA verification."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

DEFAULT_SIZE = 10_000

T = TypeVar("T")


class TokenCache(Generic[T]):
    """A bounded LRU map from a token's digest to what verifying it produced."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        # digest -> (value, epoch seconds from which it must not be used)
        self._entries: OrderedDict[bytes, tuple[T, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes, now: float) -> T | None:
        """The value, unless absent or past its time (then it is dropped)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if now >= entry[1]:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return entry[0]

    def put(self, digest: bytes, value: T, drop_at: float) -> None:
        """Remember a value; the least recently used entry goes when the cache is full."""
        self._entries[digest] = (value, drop_at)
        self._entries.move_to_end(digest)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def discard(self, digest: bytes) -> None:
        self._entries.pop(digest, None)
