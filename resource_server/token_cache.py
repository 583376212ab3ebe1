"""Tokens already verified, so that a repeated token costs a lookup, not an RSA verification."""

from __future__ import annotations

from typing import Generic, TypeVar

DEFAULT_SIZE = 10_000
# 32 base64url characters: 192 bits of a signature, which no two tokens share by chance.
KEY_CHARS = 32

T = TypeVar("T")


class TokenCache(Generic[T]):
    """A bounded map from a token to what verifying it produced and the epoch second from
    which it must not be used. Only verified tokens (from the issuer, under 8 KiB) are stored.

    Keyed by the token's last `KEY_CHARS` characters, the end of its signature, with the whole
    token kept in the entry and compared on every hit (`lookup`): hashing a few characters of
    a new str costs a fraction of hashing all of them, and a token that merely ends the same
    way is a miss, never another token's entry.

    When full, the entry stored first goes (a dict keeps insertion order): a hit moves
    nothing, so that `entries` can be read directly on the path every repeated token takes.
    A token still in use when it goes is verified once more, then stored again."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        # token[-KEY_CHARS:] -> (token, value, drop_at)
        self.entries: dict[str, tuple[str, T, float]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, token: str) -> tuple[str, T, float] | None:
        """The entry of exactly this token, whatever its time (the caller reads the clock)."""
        entry = self.entries.get(token[-KEY_CHARS:])
        return entry if entry is not None and entry[0] == token else None

    def get(self, token: str, now: float) -> T | None:
        """The value, unless absent or past its time (then it is dropped)."""
        entry = self.lookup(token)
        if entry is None:
            return None
        if now >= entry[2]:
            self.discard(token)
            return None
        return entry[1]

    def put(self, token: str, value: T, drop_at: float) -> None:
        """Remember a value; the oldest entry goes when the cache is full."""
        entries = self.entries
        key = token[-KEY_CHARS:]
        entries.pop(key, None)
        entries[key] = (token, value, drop_at)
        if len(entries) > self._size:
            del entries[next(iter(entries))]

    def discard(self, token: str) -> None:
        if self.lookup(token) is not None:
            del self.entries[token[-KEY_CHARS:]]
