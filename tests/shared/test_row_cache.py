"""The rules of the row cache, without a database: what it keeps, for how long, and
what makes it forget."""

from __future__ import annotations

from shared.row_cache import TTL_SECONDS, RowCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def live_cache(
    clock: Clock | None = None, max_entries: int = 100, max_size: int | None = None
) -> RowCache[str]:
    cache: RowCache[str] = RowCache(
        max_entries=max_entries, max_size=max_size, clock=clock or Clock()
    )
    cache.reset(live=True)
    return cache


def test_nothing_is_kept_while_the_listener_is_down() -> None:
    cache: RowCache[str] = RowCache(max_entries=10)
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


def test_a_changed_data_version_drops_everything_and_an_unknown_one_keeps_nothing() -> None:
    versions: list[int | None] = [1]
    cache: RowCache[str] = RowCache(max_entries=10, version=lambda: versions[-1])
    cache.reset(live=True)
    assert cache.get("a") is None  # the first version seen
    cache.put("a", "A", cache.epoch())
    assert cache.get("a") == "A"
    versions.append(2)  # a commit somewhere
    assert cache.get("a") is None
    cache.put("a", "A2", cache.epoch())
    assert cache.get("a") == "A2"
    versions.append(None)  # the file was busy: no answer
    assert cache.get("a") is None
    cache.put("a", "A3", cache.epoch())
    assert cache.get("a") is None
