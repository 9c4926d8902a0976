"""Busy time fetched from iCalendar feeds served by a real HTTP server on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import pytest
import requests

from consult.planning import feeds as feeds_module
from consult.planning.feeds import FeedResult, fetch_busy
from consult.retry import RetryPolicy, with_retries

T = TypeVar("T")

FAST = RetryPolicy(attempts=3, backoff=0.0, max_wait=0.05)
WINDOW = (datetime(2027, 3, 15, tzinfo=UTC), datetime(2027, 4, 8, tzinfo=UTC))
HOUR = 3600

# A facilitator's calendar as Outlook publishes it: Bucharest local times under
# the Windows zone name, a weekly meeting across the change to summer time on
# 28 March 2027, one occurrence cancelled (EXDATE) and one moved (RECURRENCE-ID).
BUCHAREST_FEED = b"""\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
BEGIN:VTIMEZONE
TZID:GTB Standard Time
BEGIN:STANDARD
DTSTART:16011028T040000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly-team-call
SUMMARY:Team call
DTSTART;TZID=GTB Standard Time:20270301T100000
DTEND;TZID=GTB Standard Time:20270301T110000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=GTB Standard Time:20270322T100000
END:VEVENT
BEGIN:VEVENT
UID:weekly-team-call
SUMMARY:Team call (moved)
RECURRENCE-ID;TZID=GTB Standard Time:20270405T100000
DTSTART;TZID=GTB Standard Time:20270406T140000
DTEND;TZID=GTB Standard Time:20270406T153000
END:VEVENT
BEGIN:VEVENT
UID:national-holiday
SUMMARY:Holiday
DTSTART;VALUE=DATE:20270331
DTEND;VALUE=DATE:20270401
END:VEVENT
BEGIN:VEVENT
UID:reading-time
SUMMARY:Reading (shown as free)
DTSTART:20270316T080000Z
DTEND:20270316T120000Z
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:called-off
SUMMARY:Called off
DTSTART:20270317T080000Z
DTEND:20270317T120000Z
STATUS:CANCELLED
END:VEVENT
END:VCALENDAR
""".replace(b"\n", b"\r\n")

TINY_FEED = b"""\
BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//consult tests//EN\r
BEGIN:VEVENT\r
UID:one\r
DTSTART:20270320T090000Z\r
DTEND:20270320T100000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""
TINY_BUSY = ((datetime(2027, 3, 20, 9, tzinfo=UTC), datetime(2027, 3, 20, 10, tzinfo=UTC)),)


@dataclass
class Answer:
    """One scripted answer: a status, headers and a body, or a connection dropped unanswered."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Callable[[], Iterator[bytes]] = TINY_FEED
    drop: bool = False
    delay: float = 0.0


class FeedServer(ThreadingHTTPServer):
    """Answers each path with its scripted answers in turn (the last one repeats)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.scripts: dict[str, list[Answer]] = {}
        self.received: dict[str, list[dict[str, str]]] = {}
        self.bytes_sent: dict[str, int] = {}
        self.finished: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def script(self, path: str, *answers: Answer) -> str:
        self.scripts[path] = list(answers)
        return self.url(path)

    def sent_when_done(self, path: str) -> int:
        """Wait until the path's last answer is written or abandoned; return the bytes written."""
        assert self.finished[path].wait(timeout=5)
        return self.bytes_sent.get(path, 0)

    def next_answer(self, path: str, headers: dict[str, str]) -> Answer:
        with self.lock:
            self.finished.setdefault(path, threading.Event()).clear()
            seen = self.received.setdefault(path, [])
            seen.append(headers)
            answers = self.scripts.get(path) or [Answer(404, body=b"no such feed")]
            return answers[min(len(seen), len(answers)) - 1]


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        answer = self.server.next_answer(self.path, dict(self.headers.items()))
        time.sleep(answer.delay)
        if answer.drop:
            return
        headers = dict(answer.headers)
        if _unchanged(headers, self.headers):
            answer = Answer(304, body=b"")
        elif isinstance(answer.body, bytes):
            headers.setdefault("Content-Length", str(len(answer.body)))
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        chunks = [answer.body] if isinstance(answer.body, bytes) else answer.body()
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                with self.server.lock:
                    sent = self.server.bytes_sent.get(self.path, 0) + len(chunk)
                    self.server.bytes_sent[self.path] = sent
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self.server.finished[self.path].set()

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def _unchanged(answer_headers: dict[str, str], request_headers) -> bool:
    etag, modified = answer_headers.get("ETag"), answer_headers.get("Last-Modified")
    if etag and request_headers.get("If-None-Match") == etag:
        return True
    return bool(modified and request_headers.get("If-Modified-Since") == modified)


@pytest.fixture
def feeds(serve_in_thread: Callable[[FeedServer], FeedServer]) -> FeedServer:
    """A real HTTP server on 127.0.0.1, in a thread, answering as each test scripts it."""
    return serve_in_thread(FeedServer())


def fetch(url: str, **options) -> FeedResult:
    options.setdefault("owner_timezone", "Asia/Tbilisi")
    options.setdefault("retry", FAST)
    return fetch_busy(url, *WINDOW, **options)


def sleeps_of_retries(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Return the list the feeds' retries will record their waits in, instead of sleeping."""
    waits: list[float] = []

    def recorded(call: Callable[[], T], policy: RetryPolicy) -> T:
        return with_retries(call, policy, sleep=waits.append)

    monkeypatch.setattr(feeds_module, "with_retries", recorded)
    return waits


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_weekly_bucharest_meeting_keeps_its_local_hour_across_the_change_to_summer_time(
    feeds: FeedServer,
) -> None:
    result = fetch(feeds.script("/feeds/ana.ics", Answer(body=BUCHAREST_FEED)))

    assert result == FeedResult(
        url=feeds.url("/feeds/ana.ics"),
        busy=(
            (utc(2027, 3, 15, 8), utc(2027, 3, 15, 9)),  # 10:00 EET; 22 March is an EXDATE
            (utc(2027, 3, 29, 7), utc(2027, 3, 29, 8)),  # 10:00 EEST, the day after the change
            (utc(2027, 3, 30, 20), utc(2027, 3, 31, 20)),  # all of 31 March in Tbilisi
            (utc(2027, 4, 6, 11), utc(2027, 4, 6, 12, 30)),  # 5 April moved to 6 April 14:00
        ),
    )


def test_an_all_day_event_blocks_the_whole_day_in_the_owners_time_zone(
    feeds: FeedServer,
) -> None:
    url = feeds.script("/feeds/ana.ics", Answer(body=BUCHAREST_FEED))

    result = fetch(url, owner_timezone="Europe/Bucharest")

    assert (utc(2027, 3, 30, 21), utc(2027, 3, 31, 21)) in result.busy


def test_transparent_and_cancelled_events_leave_the_time_free(feeds: FeedServer) -> None:
    opaque = BUCHAREST_FEED.replace(b"TRANSP:TRANSPARENT", b"TRANSP:OPAQUE").replace(
        b"STATUS:CANCELLED", b"STATUS:CONFIRMED"
    )
    as_published = fetch(feeds.script("/feeds/ana.ics", Answer(body=BUCHAREST_FEED)))
    made_opaque = fetch(feeds.script("/feeds/opaque.ics", Answer(body=opaque)))

    def on_16_and_17_march(result: FeedResult) -> list[tuple[datetime, datetime]]:
        return [span for span in result.busy if utc(2027, 3, 16) <= span[0] < utc(2027, 3, 18)]

    assert on_16_and_17_march(as_published) == []
    assert on_16_and_17_march(made_opaque) == [
        (utc(2027, 3, 16, 8), utc(2027, 3, 16, 12)),
        (utc(2027, 3, 17, 8), utc(2027, 3, 17, 12)),
    ]


def test_a_second_fetch_sends_the_etag_and_reuses_the_cached_feed_on_304(
    feeds: FeedServer, tmp_path: Path
) -> None:
    url = feeds.script("/feeds/x.ics", Answer(headers={"ETag": '"v1"'}))

    first = fetch(url, cache_dir=tmp_path)
    second = fetch(url, cache_dir=tmp_path)

    assert [seen.get("If-None-Match") for seen in feeds.received["/feeds/x.ics"]] == [None, '"v1"']
    assert (first.busy, first.from_cache) == (TINY_BUSY, False)
    assert second == FeedResult(url, busy=TINY_BUSY, from_cache=True)


def test_a_second_fetch_sends_last_modified_and_reuses_the_cached_feed_on_304(
    feeds: FeedServer, tmp_path: Path
) -> None:
    modified = "Mon, 01 Mar 2027 08:00:00 GMT"
    url = feeds.script("/feeds/x.ics", Answer(headers={"Last-Modified": modified}))

    fetch(url, cache_dir=tmp_path)
    second = fetch(url, cache_dir=tmp_path)

    assert [seen.get("If-Modified-Since") for seen in feeds.received["/feeds/x.ics"]] == [
        None,
        modified,
    ]
    assert second == FeedResult(url, busy=TINY_BUSY, from_cache=True)


def test_a_feed_that_changed_since_it_was_cached_is_read_again(
    feeds: FeedServer, tmp_path: Path
) -> None:
    changed = TINY_FEED.replace(b"T090000Z", b"T070000Z")
    url = feeds.script(
        "/feeds/x.ics",
        Answer(headers={"ETag": '"v1"'}),
        Answer(headers={"ETag": '"v2"'}, body=changed),
    )

    fetch(url, cache_dir=tmp_path)
    second = fetch(url, cache_dir=tmp_path)

    assert second == FeedResult(url, busy=((utc(2027, 3, 20, 7), utc(2027, 3, 20, 10)),))


def test_a_503_is_retried_and_the_next_answer_used(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer(503, body=b"busy"), Answer())

    result = fetch(url)

    assert (result.busy, result.error, len(feeds.received["/feeds/x.ics"])) == (TINY_BUSY, None, 2)


def test_a_429_with_retry_after_zero_is_retried(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer(429, {"Retry-After": "0"}, b"slow down"), Answer())

    result = fetch(url, retry=RetryPolicy(backoff=30.0))

    assert (result.busy, len(feeds.received["/feeds/x.ics"])) == (TINY_BUSY, 2)


def test_a_long_retry_after_is_capped_by_the_policy(
    feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feeds.script("/feeds/x.ics", Answer(429, {"Retry-After": "3600"}, b""), Answer())
    waits = sleeps_of_retries(monkeypatch)

    result = fetch(url, retry=RetryPolicy(max_wait=0.1))

    assert (result.busy, waits) == (TINY_BUSY, [0.1])


def test_a_feed_that_keeps_failing_is_named_with_the_number_of_attempts(
    feeds: FeedServer,
) -> None:
    url = feeds.script("/feeds/x.ics", Answer(503, body=b"down"))

    result = fetch(url)

    assert result == FeedResult(
        url, error=f"{url}: answered 503 Service Unavailable after 3 attempts"
    )
    assert len(feeds.received["/feeds/x.ics"]) == 3


def test_a_404_is_named_and_not_retried(feeds: FeedServer) -> None:
    url = feeds.url("/feeds/missing.ics")

    result = fetch(url)

    assert result == FeedResult(url, error=f"{url}: answered 404 Not Found")
    assert len(feeds.received["/feeds/missing.ics"]) == 1


def test_a_dropped_connection_is_retried(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer(drop=True), Answer())

    result = fetch(url)

    assert (result.busy, len(feeds.received["/feeds/x.ics"])) == (TINY_BUSY, 2)


def test_a_slow_server_is_named_after_the_timeout(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer(delay=1.0))

    result = fetch(url, timeout=0.2)

    assert result == FeedResult(url, error=f"{url}: gave no answer within 0.2 s")


def test_an_html_page_is_named_as_html(feeds: FeedServer) -> None:
    page = b"<!DOCTYPE html><html><body>Sign in to see this calendar</body></html>"
    url = feeds.script("/feeds/x.ics", Answer(headers={"Content-Type": "text/html"}, body=page))

    result = fetch(url)

    assert result == FeedResult(url, error=f"{url}: is HTML, not an iCalendar feed")


def test_garbage_bytes_are_named_with_the_first_line(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer(body=b"GIF89a\x01\x00\xff;"))

    result = fetch(url)

    assert result == FeedResult(
        url, error=f"{url}: not an iCalendar feed (line 1: 'GIF89a\\x01\\x00\ufffd;')"
    )


def test_a_declared_50_mb_body_is_refused_without_being_read(feeds: FeedServer) -> None:
    def fifty_megabytes() -> Iterator[bytes]:
        for _ in range(800):
            yield b"X" * 65_536

    url = feeds.script(
        "/feeds/huge.ics",
        Answer(headers={"Content-Length": str(50 * 1024 * 1024)}, body=fifty_megabytes),
    )

    result = fetch(url)

    assert result == FeedResult(url, error=f"{url}: is larger than 5 MB")
    assert len(feeds.received["/feeds/huge.ics"]) == 1
    assert feeds.sent_when_done("/feeds/huge.ics") < 25 * 1024 * 1024


def test_an_undeclared_50_mb_stream_is_cut_off_at_the_limit(feeds: FeedServer) -> None:
    def fifty_megabytes() -> Iterator[bytes]:
        yield b"BEGIN:VCALENDAR\r\n"
        for _ in range(800):
            yield b"X-FILLER:" + b"X" * 65_525 + b"\r\n"

    url = feeds.script("/feeds/huge.ics", Answer(body=fifty_megabytes))

    result = fetch(url, max_bytes=1_000_000)

    assert result == FeedResult(url, error=f"{url}: is larger than 1 MB")
    assert feeds.sent_when_done("/feeds/huge.ics") < 25 * 1024 * 1024


def test_a_closed_port_is_named_as_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feeds/x.ics"

    result = fetch(url)

    assert result == FeedResult(
        url, error=f"{url}: unreachable (connection refused) after 3 attempts"
    )


def test_a_session_given_by_the_caller_is_used_and_left_open(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer())
    with requests.Session() as session:
        session.headers["User-Agent"] = "consult-tests"

        result = fetch(url, session=session)

        assert (result.busy, feeds.received["/feeds/x.ics"][0]["User-Agent"]) == (
            TINY_BUSY,
            "consult-tests",
        )
        with session.get(url, timeout=5) as again:
            assert again.status_code == 200


def test_a_full_disk_skips_the_feed_cache_and_keeps_the_busy_time(
    feeds: FeedServer, tmp_path: Path, full_disk: Callable[[], None]
) -> None:
    url = feeds.script("/feeds/x.ics", Answer(headers={"ETag": '"v1"'}))
    full_disk()

    result = fetch(url, cache_dir=tmp_path)

    assert result == FeedResult(url, busy=TINY_BUSY)
    assert list(tmp_path.iterdir()) == []
