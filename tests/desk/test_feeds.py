"""The desk's feed cache: a round's busy-time feeds kept ten minutes, at most so many rounds."""

from __future__ import annotations

import threading
from collections.abc import Callable

from desk.feeds import FEEDS_KEPT, FeedCache, Feeds


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fetcher(fetched: list[str], name: str) -> Callable[[], Feeds]:
    """Return a fetch of the feeds of `name` that notes it was asked, each time new feeds."""

    def fetch() -> Feeds:
        fetched.append(name)
        return {}

    return fetch


def test_a_round_is_fetched_once_in_ten_minutes_then_again() -> None:
    clock, fetched = Clock(), []
    cache = FeedCache(clock=clock)
    first = cache.get("winter-2027", "round-1", fetcher(fetched, "round-1"))
    clock.now += FEEDS_KEPT
    assert cache.get("winter-2027", "round-1", fetcher(fetched, "round-1")) is first
    clock.now += 1
    assert cache.get("winter-2027", "round-1", fetcher(fetched, "round-1")) is not first
    assert fetched == ["round-1", "round-1"]


def test_the_cache_keeps_at_most_its_size_and_lets_the_oldest_go_first() -> None:
    fetched: list[str] = []
    cache = FeedCache(size=2, clock=Clock())
    for round_id in ("round-1", "round-2", "round-3"):
        cache.get("winter-2027", round_id, fetcher(fetched, round_id))
    assert len(cache) == 2
    cache.get("winter-2027", "round-3", fetcher(fetched, "round-3"))
    cache.get("winter-2027", "round-2", fetcher(fetched, "round-2"))
    assert fetched == ["round-1", "round-2", "round-3"]
    cache.get("winter-2027", "round-1", fetcher(fetched, "round-1"))
    assert fetched[-1] == "round-1"
    assert len(cache) == 2


def test_pages_asking_at_once_never_grow_the_cache_past_its_size() -> None:
    cache = FeedCache(size=3)
    sizes: list[int] = []

    def ask(worker: int) -> None:
        for n in range(300):
            cache.get(f"training-{worker}", f"round-{n % 7}", dict)
            sizes.append(len(cache))

    workers = [threading.Thread(target=ask, args=(w,)) for w in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert max(sizes) <= 3
