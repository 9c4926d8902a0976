"""iTIP calendars for consultation meetings (RFC 5545, RFC 5546): invitations out, replies in.

`build_invite` gives the bytes of a REQUEST or CANCEL, `parse_reply` reads an attendee's
REPLY, and `strip_method` gives a calendar as CalDAV stores it (RFC 4791 forbids METHOD there).

The VTIMEZONE is written here, not by icalendar. `Timezone.from_tzid` (and so
`Calendar.add_missing_timezones`) in icalendar 7.3 writes the DTSTART of each observance as the
wall-clock time *after* the change, but RFC 5545 reads that DTSTART in the offset in force
*before* it (TZOFFSETFROM). Autumn changes come out right by chance; every spring-forward comes
out an hour late: Europe/Bucharest gets DAYLIGHT DTSTART 20260329T040000 with TZOFFSETFROM
+0200, i.e. 02:00 UTC instead of 01:00 UTC, and a parser that applies it (icalendar's own,
vobject's, both through dateutil) gives +02:00 instead of +03:00 for the hour in between. So
`_vtimezone` scans zoneinfo for the instants where the offset changes, and writes one STANDARD
or DAYLIGHT per change whose DTSTART is the local time before the change, for the years of the
meeting and one either side.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Component, Event, Timezone, vCalAddress
from icalendar.cal.timezone import TimezoneDaylight, TimezoneStandard

from consult.errors import InvalidCalendar, InvalidInvite
from schemas.state import Attendee, Meeting, PartStat

PRODID = "-//consult//Stakeholder consultations//EN"

MAX_REPLY_BYTES = 1_000_000
"""The largest calendar read as a REPLY: an answer is a few kB, and icalendar reads ~2 s a MB."""
MAX_REPLY_EVENTS = 50
"""The most VEVENTs one REPLY may answer; a mail client sends one per meeting."""
MAX_COMMENT = 500
"""The most characters of an answer's comment kept: "On mission that week, sorry" is 27."""
MAX_REPLY_COMPONENTS = 500
"""The most components of any kind (VEVENT, VTIMEZONE and its parts, VALARM) in a REPLY."""

_PARTSTATS: dict[str, PartStat] = {value: value for value in get_args(PartStat)}
_FOLD = re.compile(rb"\r?\n[ \t]")
_BEGIN = re.compile(rb"^BEGIN[ \t]*:[ \t]*([A-Za-z0-9-]+)", re.IGNORECASE | re.MULTILINE)
# icalendar meets some malformed input with these rather than a ValueError.
_LIBRARY_FAULTS = (ValueError, TypeError, AttributeError, KeyError, IndexError)
_repr = reprlib.Repr()
_repr.maxstring = 80


@dataclass(frozen=True)
class ReplyLine:
    """One attendee's answer to one event of an iTIP REPLY."""

    uid: str
    sequence: int
    email: str
    partstat: PartStat
    comment: str = ""
    """What the attendee said with the answer (the event's COMMENT), at most MAX_COMMENT long."""


def build_invite(
    meeting: Meeting,
    attendees: Sequence[Attendee],
    *,
    organizer_name: str,
    organizer_email: str,
    method: Literal["REQUEST", "CANCEL"],
    summary: str,
    description: str,
    timezone: str,
    dtstamp: datetime,
    alarm_minutes: int = 60,
) -> bytes:
    """The iTIP REQUEST or CANCEL for `meeting`, as the bytes of a text/calendar part."""
    zone = _zone(timezone)
    for name, value in (("start", meeting.start), ("end", meeting.end), ("dtstamp", dtstamp)):
        if value.tzinfo is None:
            raise InvalidInvite(f"meeting {meeting.id!r}: {name} {value} has no time zone")
    if meeting.end <= meeting.start:
        raise InvalidInvite(f"meeting {meeting.id!r}: end {meeting.end} is not after its start")
    if method not in ("REQUEST", "CANCEL"):
        raise InvalidInvite(f"method {method!r} is neither REQUEST nor CANCEL")
    if alarm_minutes < 0:
        raise InvalidInvite(f"alarm_minutes {alarm_minutes} is negative")

    event = Event()
    event.add("UID", meeting.uid)
    event.add("SEQUENCE", meeting.sequence)
    event.add("DTSTAMP", dtstamp.astimezone(UTC))
    event.add("DTSTART", _wall_time(meeting.start, zone))
    event.add("DTEND", _wall_time(meeting.end, zone))
    event.add("SUMMARY", summary)
    event.add("DESCRIPTION", description)
    if meeting.location:
        event.add("LOCATION", meeting.location)
        if _is_https_link(meeting.location):
            event.add("URL", meeting.location.strip())
    event.add("ORGANIZER", vCalAddress.new(organizer_email, cn=organizer_name))
    for attendee in attendees:
        event.add(
            "ATTENDEE",
            vCalAddress.new(
                attendee.email,
                cn=attendee.name,
                role=attendee.role,
                partstat="NEEDS-ACTION",
                rsvp=True,
                cutype="INDIVIDUAL",
            ),
        )
    event.add("STATUS", "CONFIRMED" if method == "REQUEST" else "CANCELLED")
    if method == "REQUEST":
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("TRIGGER", timedelta(minutes=-alarm_minutes))
        alarm.add("DESCRIPTION", summary)
        event.add_component(alarm)

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", method)
    calendar.add_component(event)
    first_year = meeting.start.astimezone(UTC).year - 1
    last_year = meeting.end.astimezone(UTC).year + 1
    for tzid in sorted(calendar.get_missing_tzids()):
        calendar.subcomponents.insert(0, _vtimezone(tzid, first_year, last_year))
    ical: bytes = calendar.to_ical()
    return ical


def parse_reply(data: bytes) -> list[ReplyLine]:
    """The answers in an iTIP REPLY, one line per VEVENT, in the order they come.

    A calendar too large or with too many components is refused before it is parsed.
    """
    _check_size(data)
    calendar = _parse(data)
    methods = calendar.get("METHOD", "")
    if isinstance(methods, list):
        given = ", ".join(sorted(str(m).strip().upper() for m in methods))
        raise InvalidCalendar(f"not an iTIP REPLY: METHOD appears more than once ({given})")
    method = str(methods).strip().upper()
    if method != "REPLY":
        raise InvalidCalendar(f"not an iTIP REPLY: METHOD is {method or 'missing'}")
    events = calendar.walk("VEVENT")
    if not events:
        raise InvalidCalendar("the iTIP REPLY has no VEVENT")
    return [_reply_line(event) for event in events]


def strip_method(data: bytes) -> bytes:
    """The same calendar without its METHOD, as CalDAV stores it (RFC 4791, section 4.1)."""
    calendar = _parse(data)
    calendar.pop("METHOD", None)
    ical: bytes = calendar.to_ical()
    return ical


def _zone(timezone: str) -> ZoneInfo:
    """The zone named `timezone`, or InvalidInvite if there is none."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInvite(f"{timezone!r} is not an IANA time zone") from None


def _wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """`instant` in `zone`, or in UTC where the wall time would name another instant.

    In the hour repeated when clocks go back, RFC 5545 reads a TZID time as its first
    occurrence; a meeting in the second one keeps its instant only when written in UTC.
    """
    local = instant.astimezone(zone)
    if local.replace(fold=0).astimezone(UTC) != instant.astimezone(UTC):
        return instant.astimezone(UTC)
    return local


def _is_https_link(location: str) -> bool:
    """Whether the meeting's location is a link to an online meeting."""
    text = location.strip()
    parts = urlsplit(text)
    return parts.scheme == "https" and bool(parts.netloc) and not any(c.isspace() for c in text)


def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of `tzid` from 1 January of `first_year` to the end of `last_year`."""
    zone = _zone(tzid)
    start = datetime(first_year, 1, 1, tzinfo=zone)
    component = Timezone()
    component.add("TZID", tzid)
    component.add_component(_observance(start.replace(tzinfo=None), _utcoffset(start), start))
    for at, offset_from in _changes(tzid, first_year, last_year):
        local_before = (at + offset_from).replace(tzinfo=None)
        component.add_component(_observance(local_before, offset_from, at.astimezone(zone)))
    return component


def _observance(local_start: datetime, offset_from: timedelta, after: datetime) -> Component:
    """The STANDARD or DAYLIGHT sub-component that starts at `local_start` and is as `after`."""
    observance: Component = TimezoneDaylight() if after.dst() else TimezoneStandard()
    observance.add("DTSTART", local_start)
    observance.add("TZOFFSETFROM", offset_from)
    observance.add("TZOFFSETTO", _utcoffset(after))
    observance.add("TZNAME", after.tzname())
    return observance


@lru_cache(maxsize=64)
def _changes(tzid: str, first_year: int, last_year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """The UTC instant and prior offset of every change of `tzid` in those years, by scanning."""
    zone = ZoneInfo(tzid)

    def state(ts: int) -> tuple[timedelta, bool, str | None]:
        local = datetime.fromtimestamp(ts, zone)
        return _utcoffset(local), bool(local.dst()), local.tzname()

    # Hourly steps: no zone changes twice within an hour, and a step costs a microsecond.
    step = 3600
    ts = int(datetime(first_year, 1, 1, tzinfo=zone).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=zone).timestamp())
    current = state(ts)
    changes = []
    while ts < end:
        following = state(ts + step)
        if following != current:
            low, high = ts, ts + step  # state(low) == current != state(high)
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if state(middle) == current else (low, middle)
            changes.append((datetime.fromtimestamp(high, UTC), current[0]))
        ts, current = ts + step, following
    return tuple(changes)


def _utcoffset(local: datetime) -> timedelta:
    """The UTC offset of an aware datetime."""
    return local.utcoffset() or timedelta()


def _check_size(data: bytes) -> None:
    """Raise InvalidCalendar if `data` is larger or holds more components than a REPLY may."""
    if len(data) > MAX_REPLY_BYTES:
        raise InvalidCalendar(
            f"the calendar is {len(data):,} bytes, more than the {MAX_REPLY_BYTES:,} a REPLY may be"
        )
    names = [match.group(1).upper() for match in _BEGIN.finditer(_FOLD.sub(b"", data))]
    events = names.count(b"VEVENT")
    if events > MAX_REPLY_EVENTS:
        raise InvalidCalendar(
            f"the REPLY holds {events} VEVENTs, more than the {MAX_REPLY_EVENTS} one may hold"
        )
    if len(names) > MAX_REPLY_COMPONENTS:
        raise InvalidCalendar(
            f"the REPLY holds {len(names)} components, "
            f"more than the {MAX_REPLY_COMPONENTS} one may hold"
        )


def _parse(data: bytes) -> Calendar:
    """The VCALENDAR in `data`, or InvalidCalendar if `data` holds anything else."""
    if not data.strip():
        raise InvalidCalendar("not an iCalendar object: it is empty")
    try:
        component = Calendar.from_ical(data)
    except _LIBRARY_FAULTS as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InvalidCalendar(f"not an iCalendar object: {_repr.repr(reason)}") from None
    if not isinstance(component, Calendar):
        raise InvalidCalendar(f"not an iCalendar object: it holds a {component.name}, no VCALENDAR")
    return component


def _reply_line(event: Component) -> ReplyLine:
    """The answer one VEVENT of a REPLY carries."""
    broken = {name for name, _ in event.errors}
    if isinstance(event.get("UID"), list):
        raise InvalidCalendar("a VEVENT of the REPLY has more than one UID")
    uid = str(event.get("UID", "")).strip()
    if not uid or "UID" in broken:
        raise InvalidCalendar("a VEVENT of the REPLY has no UID")
    if isinstance(event.get("SEQUENCE"), list):
        raise InvalidCalendar(f"event {uid!r}: SEQUENCE appears more than once")
    if "SEQUENCE" in broken:
        raise InvalidCalendar(f"event {uid!r}: SEQUENCE {event['SEQUENCE']} is not an integer")
    sequence = int(event.get("SEQUENCE", 0))
    attendees = event.get("ATTENDEE")
    if attendees is None or isinstance(attendees, list):
        count = 0 if attendees is None else len(attendees)
        raise InvalidCalendar(f"event {uid!r}: a REPLY has exactly one ATTENDEE, this has {count}")
    address = str(attendees).strip()
    if address[:7].lower() != "mailto:" or "@" not in address:
        raise InvalidCalendar(f"event {uid!r}: ATTENDEE {address!r} is not a mailto: address")
    partstat = str(attendees.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    if partstat not in _PARTSTATS:
        raise InvalidCalendar(f"event {uid!r}: PARTSTAT {partstat!r} is not one for an event")
    comments = event.get("COMMENT")
    said = comments if isinstance(comments, list) else [comments] if comments else []
    return ReplyLine(
        uid=uid,
        sequence=sequence,
        email=address[7:].strip().lower(),
        partstat=_PARTSTATS[partstat],
        comment=clip_comment("\n".join(str(c) for c in said)),
    )


def clip_comment(text: str) -> str:
    """Return what an attendee said as it is kept: trimmed, at most MAX_COMMENT characters."""
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return (
        text
        if len(text) <= MAX_COMMENT
        else text[: MAX_COMMENT - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    )
