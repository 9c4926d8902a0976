"""Busy time from the iCalendar feeds that facilitators and organisations publish.

`busy_from_ics` is the pure part: the bytes of a calendar in, busy intervals in
UTC out, or an `InvalidFeed` (a `ValueError`) that says what is wrong and where.

`fetch_busy` fetches one feed over HTTP and never raises for a bad feed: its
`FeedResult` carries a one-line error naming the URL instead, and the caller
decides whether that stops a schedule. It retries transient faults only (5xx,
429, dropped connections), refuses bodies over a size limit without reading
them whole, gives up on a download that outlasts its deadline (a server may
send one byte just before each read times out), and with a cache folder asks
the server whether the feed changed.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import reprlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events  # type: ignore[import-untyped]
import requests
import urllib3
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]
from icalendar import Calendar, Component, Event, vRecur

from consult.errors import InvalidFeed, StorageError
from consult.http_body import ACCEPT_ENCODING, Deadline, read_body, session_cut_at
from consult.retry import DEFAULT_RETRY, Failure, RetryPolicy, Transient, retry_after, with_retries
from consult.workspace.yamlwrite import write_atomically

Interval = tuple[datetime, datetime]

DEADLINE = 30.0
"""Seconds one feed's download may take in all, attempts and waits between them included."""

MAX_OCCURRENCES = 100_000
"""The most occurrences consult expands of one feed's rules, from their starts to the window's end.

A rule is expanded from its DTSTART, however long before the window, so a rule
that repeats often and began long ago costs as much as one that repeats within it.
"""

REFUSED_FREQUENCIES = ("SECONDLY", "MINUTELY")
"""Rules that repeat this often are refused whole: no one is busy by the second or minute."""

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Expanding a little beyond the window catches floating and all-day events whose
# local day straddles its edge; the exact clip happens afterwards, in UTC.
_MARGIN = timedelta(days=1)
_ACCEPT = "text/calendar, text/plain;q=0.9, */*;q=0.5"
_CONTENT_LINE = re.compile(rb"[A-Za-z0-9-]+[;:]")
_ONCE = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "TRANSP", "STATUS")
# icalendar and recurring-ical-events meet some malformed input (a property given
# twice where once is allowed) with these rather than a ValueError.
_LIBRARY_FAULTS = (ValueError, TypeError, AttributeError, KeyError)
_repr = reprlib.Repr()
_repr.maxstring = 50

MAX_DEPTH = 8
"""The deepest a feed's components may nest: real ones go three deep (VCALENDAR, VEVENT, VALARM)."""
MAX_COMPONENTS = 10_000
"""The most components a feed may hold: icalendar spends about 3 KB and 0.25 ms of CPU on each."""


@dataclass(frozen=True)
class FeedResult:
    """What one feed says about busy time, or why it says nothing."""

    url: str
    busy: tuple[Interval, ...] = ()
    error: str | None = None
    from_cache: bool = False


def fetch_busy(
    url: str,
    window_start: datetime,
    window_end: datetime,
    *,
    owner_timezone: str,
    session: requests.Session | None = None,
    cache_dir: Path | None = None,
    timeout: float = 10.0,
    max_bytes: int = 5_000_000,
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float = DEADLINE,
) -> FeedResult:
    """Return the busy time the feed at `url` holds within the window, or why it holds none.

    `timeout` bounds each wait for the server, `deadline` the whole download from the
    first request: on a session of its own, the connection is cut when it passes, even
    mid-read; on the `session` given, it is checked between reads.
    A bad window or time zone is the caller's mistake and raises ValueError; a
    bad feed never raises.
    """
    _check_window(window_start, window_end)
    _zone(owner_timezone)
    cache = _Cache(cache_file(cache_dir, url), url) if cache_dir is not None else None
    limits = _Limits(timeout, max_bytes, Deadline.starting_now(deadline))
    try:
        if session is not None:
            body = _download(session, url, cache, limits, retry)
        else:
            with session_cut_at(limits.deadline) as http:
                body = _download(http, url, cache, limits, retry)
    except Failure as failure:
        return FeedResult(url, error=f"{url}: {failure}")
    if not body.from_cache and _is_html(body):
        return FeedResult(url, error=f"{url}: is HTML, not an iCalendar feed")
    try:
        busy = busy_from_ics(body.data, window_start, window_end, owner_timezone)
    except InvalidFeed as exc:
        return FeedResult(url, error=f"{url}: {exc}", from_cache=body.from_cache)
    if cache is not None and not body.from_cache:
        cache.store(body)
    return FeedResult(url, busy=busy, from_cache=body.from_cache)


def busy_from_ics(
    data: bytes, window_start: datetime, window_end: datetime, owner_timezone: str
) -> tuple[Interval, ...]:
    """Return the busy intervals of the calendar within the window: UTC, sorted and merged.

    Recurring events are expanded (RRULE, RDATE, EXDATE, RECURRENCE-ID);
    transparent and cancelled events are free. Floating times and all-day
    events are read in `owner_timezone`. Raises InvalidFeed on a malformed calendar.
    """
    _check_window(window_start, window_end)
    zone = _zone(owner_timezone)
    calendar = _parse(data)
    intervals = list(_freebusy(calendar, zone))
    for event in _occurrences(calendar, window_start - _MARGIN, window_end + _MARGIN):
        if not _is_free(event):
            intervals.append((_utc(event.start, zone), _utc(event.end, zone)))
    return _merge(_clip(intervals, window_start.astimezone(UTC), window_end.astimezone(UTC)))


def _check_window(start: datetime, end: datetime) -> None:
    for name, value in (("window_start", start), ("window_end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: {value.isoformat()} has no time zone")
    if end <= start:
        raise ValueError(f"window_end: {end.isoformat()} is not after {start.isoformat()}")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"owner_timezone: {name!r} is not a known time zone") from None


def _parse(data: bytes) -> Calendar:
    opened: list[tuple[bytes, int]] = []
    components = 0
    for number, raw in enumerate(data.splitlines(), start=1):
        line = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        if not line.strip() or line[:1] in b" \t":
            continue
        stray = not opened and line.strip().upper() != b"BEGIN:VCALENDAR"
        if stray or not _CONTENT_LINE.match(line):
            raise InvalidFeed(f"not an iCalendar feed (line {number}: {_show(line)})")
        keyword, _, name = line.strip().upper().partition(b":")
        if keyword == b"BEGIN":
            opened.append((name, number))
            components += 1
            _check_size(opened, components)
        elif keyword == b"END":
            if not opened or opened[-1][0] != name:
                raise InvalidFeed(
                    f"not an iCalendar feed (line {number}: {_show(line)} closes nothing)"
                )
            opened.pop()
    if opened:
        name, number = opened[-1]
        raise InvalidFeed(
            f"not an iCalendar feed (BEGIN:{name.decode(errors='replace')} on line {number}"
            " is never closed: is the feed cut short?)"
        )
    try:
        calendar = Calendar.from_ical(data)
    except _LIBRARY_FAULTS as exc:
        raise InvalidFeed(f"not an iCalendar feed ({exc})") from exc
    if not isinstance(calendar, Calendar):
        # A stray property on the BEGIN line's level turns the calendar into another component.
        raise InvalidFeed(
            f"not an iCalendar feed (its top is {_repr.repr(calendar.name)}, not VCALENDAR)"
        )
    return calendar


def _check_size(opened: list[tuple[bytes, int]], components: int) -> None:
    """Raise InvalidFeed on a feed too big to be real, before icalendar spends seconds on it."""
    name, number = opened[-1]
    if len(opened) > MAX_DEPTH:
        raise InvalidFeed(
            f"not an iCalendar feed (BEGIN:{name.decode(errors='replace')} on line {number}"
            f" nests components more than {MAX_DEPTH} deep)"
        )
    if components > MAX_COMPONENTS:
        raise InvalidFeed(
            f"not an iCalendar feed (more than {MAX_COMPONENTS:,} components, on line {number}:"
            " export a shorter span of time)"
        )


def _occurrences(calendar: Calendar, start: datetime, end: datetime) -> list[Event]:
    for event in calendar.events:
        uid = str(event.get("UID"))
        for name in _ONCE:
            if isinstance(event.get(name), list):
                raise InvalidFeed(f"malformed event {uid!r} ({name} appears more than once)")
        try:
            _ = event.start, event.end
        except ValueError as exc:
            raise InvalidFeed(f"malformed event {uid!r} ({exc})") from exc
    _check_rules(calendar.events, end)
    try:
        events: list[Event] = recurring_ical_events.of(calendar).between(start, end)
    except _LIBRARY_FAULTS as exc:
        raise InvalidFeed(f"malformed iCalendar ({exc})") from exc
    return events


def _check_rules(events: list[Event], end: datetime) -> None:
    """Raise InvalidFeed for a rule refused whole, or past MAX_OCCURRENCES in all before `end`."""
    left = MAX_OCCURRENCES
    for event in events:
        rules = event.get("RRULE", [])
        for rule in rules if isinstance(rules, list) else [rules]:
            text = rule.to_ical().decode(errors="replace")
            shown = text if len(text) <= 40 else text[:40] + "..."
            where = f"event {str(event.get('UID'))!r} repeats RRULE:{shown}"
            if not isinstance(rule, vRecur):
                # icalendar keeps a value it cannot read as a broken property, which fails on use.
                raise InvalidFeed(f"{where}, a rule that cannot be read")
            frequency = str(rule.get("FREQ", [""])[0]).upper()
            if frequency in REFUSED_FREQUENCIES:
                raise InvalidFeed(
                    f"{where}; consult reads no rule that repeats more often than hourly"
                )
            if _falls_on_no_day(rule):
                # dateutil would search every period up to the year 9999 for one.
                raise InvalidFeed(f"{where}; its BYMONTHDAY falls on no day of its months")
            left -= _count(rule, event.start, end, left, where)


def _falls_on_no_day(rule: vRecur) -> bool:
    """Return whether every BYMONTHDAY of the rule lies beyond the longest of its months."""
    days = rule.get("BYMONTHDAY")
    if not days:
        return False
    try:
        months = [int(month) for month in rule.get("BYMONTH") or range(1, 13)]
        longest = max(_DAYS_IN_MONTH[month - 1] for month in months)
        return all(abs(int(day)) > longest for day in days)
    except (ValueError, TypeError, IndexError):
        return False  # dateutil names what is wrong with it


def _count(rule: vRecur, start: date, end: datetime, most: int, where: str) -> int:
    """Return how many times `rule` repeats from `start` to `end`, counting `most` + 1 at most."""
    # Counting in naive UTC is close enough for a bound, and dateutil stops at UNTIL
    # only if DTSTART and UNTIL agree on having a time zone.
    stop = _naive(end)
    until = rule.get("UNTIL")
    if until:
        stop = min(stop, _naive(until[0]))
    bare: Any = vRecur({key: value for key, value in rule.items() if key not in ("UNTIL", "COUNT")})
    try:
        series = rrulestr(bare.to_ical().decode(), dtstart=_naive(start)).replace(until=stop)
    except _LIBRARY_FAULTS as exc:
        raise InvalidFeed(f"{where}, a rule that cannot be read ({exc})") from exc
    count = sum(1 for _ in islice(series, most + 1))
    if rule.get("COUNT"):
        count = min(count, int(rule["COUNT"][0]))
    if count > most:
        raise InvalidFeed(
            f"{where} more than {MAX_OCCURRENCES:,} times before {end.date().isoformat()}; "
            f"consult expands at most {MAX_OCCURRENCES:,} occurrences of one feed"
        )
    return count


def _naive(value: date) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def _show(line: bytes) -> str:
    return _repr.repr(line.decode("utf-8", errors="replace"))


def _is_free(event: Component) -> bool:
    return (
        str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
        or str(event.get("STATUS", "")).upper() == "CANCELLED"
    )


def _freebusy(calendar: Calendar, zone: tzinfo) -> Iterator[Interval]:
    for component in calendar.walk("VFREEBUSY"):
        periods = component.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            if str(period.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            start, end = period.dt
            yield _utc(start, zone), _utc(start + end if isinstance(end, timedelta) else end, zone)


def _utc(value: date, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _clip(intervals: list[Interval], start: datetime, end: datetime) -> Iterator[Interval]:
    for first, last in intervals:
        first, last = max(first, start), min(last, end)
        if first < last:
            yield first, last


def _merge(intervals: Iterator[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class _Limits:
    """How long and how much one feed's download may take."""

    timeout: float
    max_bytes: int
    deadline: Deadline


@dataclass(frozen=True)
class _Body:
    data: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    from_cache: bool = False


def _download(
    session: requests.Session,
    url: str,
    cache: _Cache | None,
    limits: _Limits,
    retry: RetryPolicy,
) -> _Body:
    cached = cache.load() if cache is not None else None
    headers = {"Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return with_retries(lambda: _get(session, url, headers, cached, limits), retry)


def _get(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    cached: _Body | None,
    limits: _Limits,
) -> _Body:
    limits.deadline.check()
    timeout = limits.timeout
    try:
        with session.get(url, headers=headers, stream=True, timeout=timeout) as response:
            status = response.status_code
            if status == 304 and cached is not None:
                return cached
            if status == 429 or status >= 500:
                raise Transient(f"answered {status} {response.reason}", retry_after(response))
            if not 200 <= status < 300:
                raise Failure(f"answered {status} {response.reason}")
            return _Body(
                read_body(response, limits.max_bytes, limits.deadline),
                response.headers.get("Content-Type", ""),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
            )
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        limits.deadline.check()  # the deadline may be what cut the connection
        raise Transient(f"unreachable ({_reason(exc, timeout)})") from exc
    except requests.Timeout:
        raise Failure(f"gave no answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise Failure(f"cannot be fetched ({exc})") from exc
    # What requests leaves unwrapped while streaming the body: urllib3's verdict on a
    # malformed answer (an illegal chunk header), and a read cut short underneath it.
    except (
        urllib3.exceptions.ProtocolError,
        urllib3.exceptions.ReadTimeoutError,
        http.client.IncompleteRead,
        OSError,
    ) as exc:
        limits.deadline.check()
        raise Transient(f"unreachable ({_reason(exc, timeout)})") from exc
    except (urllib3.exceptions.HTTPError, http.client.HTTPException) as exc:
        raise Failure(f"sent a malformed answer ({_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 80 else line[:77] + "..."


def _reason(exc: BaseException, timeout: float) -> str:
    causes: list[BaseException] = []
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if isinstance(item, BaseException) and all(item is not seen for seen in causes):
            causes.append(item)
            pending += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    for kinds, reason in (
        ((ConnectionRefusedError,), "connection refused"),
        ((socket.gaierror, urllib3.exceptions.NameResolutionError), "host name not found"),
        ((urllib3.exceptions.ConnectTimeoutError,), f"no connection within {timeout:g} s"),
        ((urllib3.exceptions.ReadTimeoutError,), f"no answer within {timeout:g} s"),
    ):
        if any(isinstance(cause, kinds) for cause in causes):
            return reason
    return "connection dropped"


def _is_html(body: _Body) -> bool:
    start = body.data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"begin:vcalendar"):
        return False
    return "html" in body.content_type.lower() or start.startswith((b"<!doctype html", b"<html"))


def cache_file(folder: Path, url: str) -> Path:
    """Return the file of the cache folder that keeps the feed at `url` between fetches."""
    return Path(folder) / f"{hashlib.sha256(url.encode()).hexdigest()}.ics-cache"


@dataclass(frozen=True)
class _Cache:
    """One feed's last body and validators, in one file written whole."""

    path: Path
    url: str

    def load(self) -> _Body | None:
        try:
            header, _, data = self.path.read_bytes().partition(b"\n")
            meta = json.loads(header)
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != self.url:
            return None
        return _Body(data, "", meta.get("etag"), meta.get("last_modified"), from_cache=True)

    def store(self, body: _Body) -> None:
        """Keep the body for the next fetch; a cache that cannot be written is skipped.

        The busy time was read already: a full disk or a read-only folder costs the
        next fetch its 304, never this plan (and leaves no partial file behind).
        """
        if not body.etag and not body.last_modified:
            return
        meta = {"url": self.url, "etag": body.etag, "last_modified": body.last_modified}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(meta).encode() + b"\n" + body.data)
        except (OSError, StorageError):
            return
