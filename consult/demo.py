"""Prepares a fresh copy of the demo workspace whose training starts six weeks from today."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from consult.errors import StorageError
from consult.settings import OUT_DIR, STATE_DIR
from consult.workspace.loading import TRAININGS

DEMO_WORKSPACE = Path(__file__).resolve().parent / "demo_workspace"
"""The demo workspace shipped with consult (package data): only ever copied, never worked in."""

LEAD_TIME = dt.timedelta(weeks=6)
FEED_HOST = "http://127.0.0.1:8765/"
"""Where the demo's stakeholders.yaml says its busy-time feeds are; the demo serves them."""

_DATE = re.compile(r"(?<![\w/.-])(\d{4})-(\d{2})-(\d{2})(?![\w/-])")
_START = re.compile(r"^start:\s*(\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)


def shift_dates(text: str, today: dt.date) -> str:
    """Return a training file's text with every date moved so the training starts ~6 weeks on.

    The shift is a whole number of weeks, so every date keeps its weekday (a
    meeting on a Tuesday stays on a Tuesday); the start lands within three days
    of six weeks from `today`. Comments and layout are kept.
    """
    found = _START.search(text)
    if found is None:
        return text
    start = dt.date.fromisoformat(found.group(1))
    weeks = round(((today + LEAD_TIME) - start).days / 7)
    delta = dt.timedelta(weeks=weeks)

    def move(match: re.Match[str]) -> str:
        try:
            return (dt.date.fromisoformat(match.group(0)) + delta).isoformat()
        except ValueError:
            return match.group(0)

    return _DATE.sub(move, text)


def prepare_demo(
    target: Path, today: dt.date, source: Path = DEMO_WORKSPACE, feed_port: int | None = None
) -> Path:
    """Return `target`, made a fresh copy of `source` with the training dates shifted.

    Whatever an earlier demo left in `target` (state, outbox) is replaced. With
    `feed_port`, the busy-time feeds point at the demo's feed server on that port.
    A disk that cannot take it raises StorageError, and no half-made demo is left.
    """
    if target.exists():
        shutil.rmtree(target)
    try:
        _copy_demo(target, today, source, feed_port)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _copy_demo(target: Path, today: dt.date, source: Path, feed_port: int | None) -> None:
    try:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(STATE_DIR, OUT_DIR))
    except OSError as error:
        raise StorageError.writing(target, error) from error
    for file in sorted((target / TRAININGS).glob("*.yaml")):
        _write(file, shift_dates(file.read_text(encoding="utf-8"), today))
    if feed_port is not None:
        stakeholders = target / "stakeholders.yaml"
        text = stakeholders.read_text(encoding="utf-8")
        _write(stakeholders, text.replace(FEED_HOST, f"http://127.0.0.1:{feed_port}/"))


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise StorageError.writing(path, error) from error


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: the demo prints what matters."""


@contextmanager
def serve_feeds(folder: Path = DEMO_WORKSPACE) -> Iterator[int]:
    """Yield the port of an HTTP server on 127.0.0.1 that serves `folder` (its feeds/) meanwhile."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
