"""Prepares a fresh copy of the demo workspace whose training starts six weeks from today."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
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

WRITTEN_MEETING = "ohchr-georgia"
"""The meeting (of each round that plans it) whose invitee sends written input in the demo.

The demo keeps no notes of it, so its organisation is heard in writing only: the pack
lists it as such, not as a missing voice."""
WRITTEN_BY = "sopiko.bakradze@example.org"
"""Who writes: the OHCHR's national officer, whose page is in Georgian."""
WRITTEN_INPUT: tuple[tuple[str, int, str], ...] = (
    (
        "interpreters",
        3,
        "ეთნიკური უმცირესობების წარმომადგენელ დაზარალებულებთან გასაუბრებისას კვალიფიციური "
        "თარჯიმანი ხშირად არ არის ხელმისაწვდომი და ოჯახის წევრები თარგმნიან. ტრენინგმა უნდა "
        "ასწავლოს კოორდინატორებს, როგორ მოითხოვონ დამოუკიდებელი თარჯიმანი და როგორ წარმართონ "
        "გასაუბრება მისი მეშვეობით.",
    ),
    (
        "international-instruments",
        2,
        "კოორდინატორებს სჭირდებათ მოკლე, პრაქტიკული მიმოხილვა გაეროს რასობრივი "
        "დისკრიმინაციის აღმოფხვრის კომიტეტის (CERD) რეკომენდაციებისა, რომლებიც საქართველოს "
        "სიძულვილით მოტივირებული დანაშაულის შესახებ მიეცა.",
    ),
)
"""What they write, internal: (theme, severity 1-4, text in Georgian)."""

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


_MEETING_LINE = re.compile(r"^[ \t]*(?:- )?meeting:[ \t]*(?P<id>[\w-]+)[ \t]*$")
_DATE_LINE = re.compile(r"^(?P<key>[ \t]*(?:- )?date:[ \t]*)(?P<date>\d{4}-\d{2}-\d{2})")


def date_notes(folder: Path, days: Mapping[str, dt.date]) -> None:
    """Date the demo's notes files to the days their meetings were planned on.

    The demo plans afresh every time, so its notes are written with other days:
    each meeting's `date` becomes its planned day (`days`, by the meeting's id
    in the plan), and every other date of its notes (commitments' `due`) moves
    with it. A meeting not in `days` keeps its dates.
    """
    for path in sorted(folder.glob("*")):
        if path.name == "README.md" or path.suffix not in (".md", ".yaml", ".csv"):
            continue
        text = path.read_text(encoding="utf-8")
        dated = _dated_csv(text, days) if path.suffix == ".csv" else _dated_lines(text, days)
        _write(path, dated)


def _moved(text: str, delta: dt.timedelta) -> str:
    return _DATE.sub(lambda m: (dt.date.fromisoformat(m.group(0)) + delta).isoformat(), text)


def _dated_lines(text: str, days: Mapping[str, dt.date]) -> str:
    """Return Markdown or YAML notes dated to `days`: a `meeting:` line starts a meeting."""
    lines, meeting, delta = [], "", dt.timedelta(0)
    for line in text.split("\n"):
        found = _MEETING_LINE.match(line)
        if found:
            meeting, delta = found["id"], dt.timedelta(0)
        dated = _DATE_LINE.match(line)
        if dated and meeting in days:
            delta = days[meeting] - dt.date.fromisoformat(dated["date"])
            line = f"{dated['key']}{days[meeting].isoformat()}{line[dated.end() :]}"
        elif not found:
            line = _moved(line, delta)
        lines.append(line)
    return "\n".join(lines)


def _dated_csv(text: str, days: Mapping[str, dt.date]) -> str:
    """Return CSV notes with each row's date its meeting's day, its due date moved with it."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if not rows:
        return text
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        day = days.get(row.get("meeting", ""))
        if day is not None and row.get("date"):
            delta = day - dt.date.fromisoformat(row["date"])
            row = {**row, "date": day.isoformat()}
            if row.get("due"):
                row["due"] = _moved(row["due"], delta)
        writer.writerow(row)
    return out.getvalue()


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
