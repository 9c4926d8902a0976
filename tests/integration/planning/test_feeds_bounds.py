"""A feed's download is bounded after decompression, and by a deadline counted from the request."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

from consult.planning.feeds import FeedResult
from tests.integration.planning import test_feeds
from tests.integration.planning.test_feeds import TINY_BUSY, TINY_FEED, Answer, FeedServer, fetch
from tests.memory import peak_bytes

feeds = test_feeds.feeds

BOMB = gzip.compress(TINY_FEED[:-15] + b" " * 50_000_000, compresslevel=9)
"""50 MB of calendar once inflated, about 50 KB on the wire."""


def slow_drip() -> Iterator[bytes]:
    """Yield the start of a feed, then one byte every 0.25 s, 10 s in all."""
    yield TINY_FEED[:20]
    for byte in TINY_FEED[20:60]:
        time.sleep(0.25)
        yield bytes([byte])


def test_a_gzip_feed_is_read_inflated(feeds: FeedServer) -> None:
    body = gzip.compress(TINY_FEED)
    url = feeds.script("/feeds/z.ics", Answer(headers={"Content-Encoding": "gzip"}, body=body))

    assert fetch(url).busy == TINY_BUSY
    assert feeds.received["/feeds/z.ics"][0]["Accept-Encoding"] == "gzip, deflate"


def test_a_gzip_bomb_is_refused_at_the_limit_after_inflation_without_inflating_it(
    feeds: FeedServer,
) -> None:
    url = feeds.script("/feeds/bomb.ics", Answer(headers={"Content-Encoding": "gzip"}, body=BOMB))
    results: list[FeedResult] = []

    peak = peak_bytes(lambda: results.append(fetch(url, max_bytes=1_000_000)))

    assert results == [FeedResult(url, error=f"{url}: is larger than 1 MB once inflated (gzip)")]
    assert peak < 3_000_000


def test_a_content_coding_not_asked_for_is_a_feed_error_naming_it(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/br.ics", Answer(headers={"Content-Encoding": "br"}))

    assert fetch(url) == FeedResult(
        url,
        error=f"{url}: sent Content-Encoding 'br', which consult does not read "
        "(it asks for gzip, deflate)",
    )


def test_a_drip_within_a_declared_length_is_cut_off_at_the_deadline(feeds: FeedServer) -> None:
    # A read waited for its whole chunk: the server wrote every byte, 10 s in all.
    url = feeds.script(
        "/feeds/drip.ics",
        Answer(headers={"Content-Length": str(len(TINY_FEED))}, body=slow_drip),
    )

    result = fetch(url, deadline=1.0)

    assert result == FeedResult(url, error=f"{url}: did not arrive within 1 s")
    assert feeds.sent_when_done("/feeds/drip.ics") < 20 + 12
