"""The rules of the notified cache, without a database: what it keeps, for how long, and
what makes it forget."""

from __future__ import annotations

from shared.notified_cache import TTL_SECONDS, NotifiedCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def live_cache(clock: Clock | None = None, **bounds: int) -> NotifiedCache[str]:
    bounds.setdefault("max_entries", 100)
    cache: NotifiedCache[str] = NotifiedCache(clock=clock or Clock(), **bounds)
    cache.reset(live=True)
    return cache


def test_nothing_is_kept_while_the_listener_is_down() -> None:
    cache: NotifiedCache[str] = NotifiedCache(max_entries=10)
    cache.put("a", "A", cache.epoch())
    assert cache.get("a") is None
    cache.reset(live=True)
    cache.put("a", "A", cache.epoch())
    assert cache.get("a") == "A"
    cache.reset(live=False)
    assert cache.get("a") is None


def test_a_read_that_overlapped_any_invalidation_is_not_kept() -> None:
    cache = live_cache()
    epoch = cache.epoch()
    cache.invalidate("another key")  # the notification may be for the row being read
    cache.put("a", "old", epoch)
    assert cache.get("a") is None
    cache.put("a", "new", cache.epoch())
    assert cache.get("a") == "new"


def test_an_invalidation_drops_its_key_and_an_empty_one_drops_all() -> None:
    cache = live_cache()
    for key in "abc":
        cache.put(key, key.upper(), cache.epoch())
    cache.invalidate("b")
    assert [cache.get(k) for k in "abc"] == ["A", None, "C"]
    cache.invalidate("")
    assert [cache.get(k) for k in "abc"] == [None, None, None]


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = live_cache(clock)
    cache.put("a", "A", cache.epoch())
    clock.now += TTL_SECONDS - 0.001
    assert cache.get("a") == "A"
    clock.now += 0.001
    assert cache.get("a") is None


def test_past_max_entries_the_oldest_go_first() -> None:
    cache = live_cache(max_entries=3)
    for key in "abcd":
        cache.put(key, key.upper(), cache.epoch())
    assert [cache.get(k) for k in "abcd"] == [None, "B", "C", "D"]


def test_past_max_size_the_oldest_go_first_and_an_oversized_value_is_not_kept() -> None:
    cache = live_cache(max_size=10)
    cache.put("a", "A", cache.epoch(), size=4)
    cache.put("b", "B", cache.epoch(), size=4)
    cache.put("a", "A2", cache.epoch(), size=5)  # replacing frees the old size first
    assert [cache.get("a"), cache.get("b")] == ["A2", "B"]
    cache.put("c", "C", cache.epoch(), size=2)  # 4 + 5 + 2 > 10: "b", the oldest, goes
    assert [cache.get("a"), cache.get("b"), cache.get("c")] == ["A2", None, "C"]
    cache.put("d", "D", cache.epoch(), size=11)
    assert cache.get("d") is None
    assert [cache.get("a"), cache.get("c")] == ["A2", "C"]
