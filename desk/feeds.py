"""The busy-time feeds the desk fetched for a round, kept a while for the free times it offers.

Only a meeting without its quorum asks for its round's feeds (its free times):
a training page shown again soon after must not wait for the feeds again. The
cache is shared by every request, so it is locked, and bounded: past `size`
rounds the oldest fetched goes first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consult.planning.feeds import FeedResult

FEEDS_KEPT = 600
"""Seconds the desk keeps a round's busy-time feeds for the free times it offers."""
MOST_ROUNDS = 64
"""Rounds whose feeds the desk keeps at once: a workspace has a handful of live ones."""

Feeds = Mapping[str, "FeedResult"]
"""A round's busy-time feeds, by feed URL."""


class FeedCache:
    """A round's feeds by (training, round), each kept `kept` seconds, at most `size` rounds."""

    def __init__(
        self,
        size: int = MOST_ROUNDS,
        kept: float = FEEDS_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.kept = kept
        self._clock = clock
        self._fetched: OrderedDict[tuple[str, str], tuple[float, Feeds]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._fetched)

    def get(self, slug: str, round_id: str, fetch: Callable[[], Feeds]) -> Feeds:
        """Return the round's feeds as fetched less than `kept` seconds ago, or `fetch` them now.

        The fetch runs outside the lock: a page of another round does not wait
        for it (two pages of the same round at once may both fetch).
        """
        key = (slug, round_id)
        with self._lock:
            found = self._fetched.get(key)
            if found is not None and self._clock() - found[0] <= self.kept:
                return found[1]
        feeds = fetch()
        with self._lock:
            self._fetched.pop(key, None)
            self._fetched[key] = (self._clock(), feeds)
            while len(self._fetched) > self.size:
                self._fetched.popitem(last=False)
        return feeds
