"""A feed's download is bounded after decompression, and by a deadline counted from the request."""

from __future__ import annotations

import gzip
import socketserver
import time
from collections.abc import Callable, Iterator

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


class HeaderDrip(socketserver.ThreadingTCPServer):
    """Answers with a status line and headers one byte every 0.1 s, 16 s in all."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HeaderDripHandler)
        self.sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/feeds/drip.ics"


class HeaderDripHandler(socketserver.BaseRequestHandler):
    server: HeaderDrip

    def handle(self) -> None:
        self.request.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nX-Padding: " + b"x" * 100
        for byte in head:
            try:
                self.request.sendall(bytes([byte]))
            except OSError:
                return
            self.server.sent += 1
            time.sleep(0.1)


def test_headers_that_drip_are_cut_off_at_the_deadline_counted_from_the_request(
    serve_in_thread: Callable[[HeaderDrip], HeaderDrip],
) -> None:
    # On the code before the cut: every one of the 157 bytes was read, 16 s for a 1 s deadline.
    server = serve_in_thread(HeaderDrip())

    result = fetch(server.url, deadline=1.0, timeout=2.0)

    assert result == FeedResult(server.url, error=f"{server.url}: did not arrive within 1 s")
    assert server.sent < 30
