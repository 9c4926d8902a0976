"""The body of an HTTP answer, read within bounds: its size after decompression, and a deadline.

requests inflates gzip and deflate as it reads, so 500 KB on the wire can become
gigabytes in memory; and a read waits until its whole chunk has come, so a server
that sends one byte just before each timeout holds it without end. `read_body`
reads the raw bytes as they come, inflates them itself no further than the limit,
and looks at the clock between reads. It raises `retry.Failure`, whose message
follows the URL.
"""

from __future__ import annotations

import socket
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from time import monotonic
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from consult.retry import Failure

ACCEPT_ENCODING = "gzip, deflate"
"""The only content codings consult asks for, and so the only ones it reads."""

_CHUNK = 64 * 1024
_PIECE = 1024 * 1024
"""The most bytes one step of inflating gives: gzip inflates 64 KB to as much as 64 MB."""


@dataclass(frozen=True)
class Deadline:
    """When a download, counted from its first request, has run out of time."""

    seconds: float
    ends: float
    """The `time.monotonic()` at which it has run out."""

    @classmethod
    def starting_now(cls, seconds: float) -> Deadline:
        """Return the deadline `seconds` from now."""
        return cls(seconds, monotonic() + seconds)

    def check(self) -> None:
        """Raise Failure once the download has run out of time."""
        if monotonic() > self.ends:
            raise Failure(f"did not arrive within {self.seconds:g} s")


@contextmanager
def session_cut_at(deadline: Deadline) -> Iterator[requests.Session]:
    """Yield a new session whose connections are shut when the deadline passes, mid-read or not.

    Checking the clock between reads is not enough: the status line and headers are
    read in one call, which a server sending one byte a second never lets return.
    """
    connections: list[Any] = []
    lock = threading.Lock()

    def watched(base: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
        class Watched(base):  # type: ignore[valid-type,misc]
            def _validate_conn(self, conn: Any) -> None:
                with lock:
                    connections.append(conn)
                super()._validate_conn(conn)

        return Watched

    def cut() -> None:
        with lock:
            for conn in connections:
                sock = getattr(conn, "sock", None)
                if sock is not None:
                    with suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)

    session = requests.Session()
    for prefix in ("http://", "https://"):
        adapter = HTTPAdapter()
        adapter.poolmanager.pool_classes_by_scheme = {
            "http": watched(HTTPConnectionPool),
            "https": watched(HTTPSConnectionPool),
        }
        session.mount(prefix, adapter)
    timer = threading.Timer(max(0.0, deadline.ends - monotonic()), cut)
    timer.daemon = True
    timer.start()
    try:
        yield session
    finally:
        timer.cancel()
        session.close()


def read_body(response: requests.Response, max_bytes: int, deadline: Deadline) -> bytes:
    """Return a streamed answer's body, inflated; raise Failure past `max_bytes` or the deadline.

    `max_bytes` counts the bytes after decompression. A read returns as soon as any
    bytes have come, so the deadline is kept to within one `timeout` of the socket.
    """
    coding = response.headers.get("Content-Encoding", "").strip().lower()
    declared = response.headers.get("Content-Length", "")
    if coding in ("", "identity") and declared.isdigit() and int(declared) > max_bytes:
        raise Failure(f"is larger than {size(max_bytes)}")
    inflate = _Inflater(coding)
    body = bytearray()
    while True:
        deadline.check()
        raw = response.raw.read1(_CHUNK, decode_content=False)
        if not raw:
            deadline.check()  # an end of the body may be the deadline's cut
            inflate.finish()
            return bytes(body)
        for piece in inflate(raw):
            body += piece
            if len(body) > max_bytes:
                raise Failure(f"is larger than {size(max_bytes)}{inflate.after}")


def size(count: int) -> str:
    """Return a count of bytes as a person reads it: `5 MB`, `512 bytes`."""
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count} bytes"


class _Inflater:
    """Inflates a gzip or deflate body a piece at a time, so no piece is larger than _PIECE."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.after = f" once inflated ({coding})" if coding else ""
        if coding in ("", "identity"):
            self.inflater = None
        elif coding in ("gzip", "x-gzip", "deflate"):
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a zlib or gzip header
        else:
            raise Failure(
                f"sent Content-Encoding {coding!r}, which consult does not read "
                f"(it asks for {ACCEPT_ENCODING})"
            )
        self.started = False

    def __call__(self, raw: bytes) -> Iterator[bytes]:
        """Yield what `raw` inflates to, a piece of at most _PIECE bytes at a time."""
        if self.inflater is None:
            yield raw
            return
        while raw:
            try:
                piece = self.inflater.decompress(raw, _PIECE)
            except zlib.error:
                if self.started or self.coding != "deflate":
                    raise Failure(f"sent a {self.coding} body that does not inflate") from None
                self.started = True  # once: a body that inflates neither way is an error
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without its header
                continue
            self.started = True
            yield piece
            raw = self.inflater.unconsumed_tail

    def finish(self) -> None:
        """Raise Failure if the compressed body stopped before its end."""
        if self.inflater is not None and not self.inflater.eof:
            raise Failure(f"sent a {self.coding} body cut short")
