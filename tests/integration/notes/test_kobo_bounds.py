"""A KoboToolbox answer is bounded after decompression, in submissions and by a deadline."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consult.notes import kobo
from consult.notes.kobo import MAX_PAGE_BYTES, MAX_SUBMISSIONS, KoboRead, fetch_submissions
from tests.integration.notes.test_kobo import ASSET, FAST, TOKEN, mapping_at, submission
from tests.integration.planning.test_feeds_bounds import HeaderDrip
from tests.memory import peak_bytes


class OnePage(ThreadingHTTPServer):
    """Answers every request with one body and its headers."""

    def __init__(self, body: bytes, **headers: str) -> None:
        super().__init__(("127.0.0.1", 0), OnePageHandler)
        self.body = body
        self.headers = {"Content-Type": "application/json", **headers}
        self.accept_encoding: list[str | None] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class OnePageHandler(BaseHTTPRequestHandler):
    server: OnePage

    def do_GET(self) -> None:
        self.server.accept_encoding.append(self.headers.get("Accept-Encoding"))
        self.send_response(200)
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def one_page(serve_in_thread: Callable[[OnePage], OnePage]) -> Callable[..., OnePage]:
    """Start a server answering one body with the given headers."""
    return lambda body, **headers: serve_in_thread(OnePage(body, **headers))


def page(results: list[object], padding: int = 0) -> bytes:
    return json.dumps({"next": None, "results": results, "pad": " " * padding}).encode()


def data_url(base_url: str) -> str:
    return f"{base_url}/api/v2/assets/{ASSET}/data/?format=json"


def test_a_gzip_page_is_read_inflated(one_page: Callable[..., OnePage]) -> None:
    server = one_page(gzip.compress(page([submission(1)])), **{"Content-Encoding": "gzip"})

    read = fetch_submissions(mapping_at(server.base_url), TOKEN, retry=FAST)

    assert (len(read.results), read.problems) == (1, [])
    assert server.accept_encoding == ["gzip, deflate"]


def test_a_gzip_bomb_is_refused_at_the_limit_without_inflating_it(
    one_page: Callable[..., OnePage],
) -> None:
    # On the code before the bound: 1,160 MB for 486 KB on the wire; here 100 MB for 100 KB.
    bomb = gzip.compress(page([], padding=100_000_000), compresslevel=9)
    server = one_page(bomb, **{"Content-Encoding": "gzip"})
    reads: list[KoboRead] = []

    peak = peak_bytes(
        lambda: reads.append(fetch_submissions(mapping_at(server.base_url), TOKEN, retry=FAST))
    )

    assert reads[0].problems == [
        f"{data_url(server.base_url)}: is larger than {MAX_PAGE_BYTES // 1_000_000} MB once "
        "inflated (gzip) (stopped at page 1; none read)"
    ]
    assert peak < MAX_PAGE_BYTES * 1.5


def test_a_page_of_too_many_submissions_is_refused_in_one_line(
    one_page: Callable[..., OnePage],
) -> None:
    server = one_page(page([{}] * (MAX_SUBMISSIONS * 10)))

    read = fetch_submissions(mapping_at(server.base_url), TOKEN, retry=FAST)

    assert (read.results, read.pages) == ([], 0)
    assert read.problems == [
        f"{data_url(server.base_url)}: answered {MAX_SUBMISSIONS * 10:,} submissions in all, "
        f"more than the {MAX_SUBMISSIONS:,} consult reads of one form "
        "(stopped at page 1; none read)"
    ]


def test_headers_that_drip_are_cut_off_at_the_page_deadline(
    serve_in_thread: Callable[[HeaderDrip], HeaderDrip], monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the code before the cut: no deadline at all, each byte within the timeout.
    monkeypatch.setattr(kobo, "DEADLINE", 1.0)
    server = serve_in_thread(HeaderDrip())
    base_url = server.url.removesuffix("/feeds/drip.ics")

    read = fetch_submissions(mapping_at(base_url), TOKEN, retry=FAST)

    assert read.problems == [
        f"{data_url(base_url)}: did not arrive within 1 s (stopped at page 1; none read)"
    ]
    assert server.sent < 30
