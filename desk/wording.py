"""How the desk says what the store holds: stored names as words, moments in a zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from schemas.state import Meeting

DASH = "\N{EN DASH}"


def words(name: str) -> str:
    """Return a stored name as words: 'notes_missing' -> 'notes missing'."""
    return name.replace("_", " ")


def answer_words(partstat: str) -> str:
    """Return an invitee's answer as words: ACCEPTED is "accepted", NEEDS-ACTION "no answer yet"."""
    if partstat == "NEEDS-ACTION":
        return "no answer yet"
    return words(partstat.lower()).replace("-", " ")


def local(moment: dt.datetime, zone: ZoneInfo, with_date: bool = True) -> str:
    """Return a moment in `zone`: 'Tue 08 Dec 2026 10:00', or its time alone."""
    shown = moment.astimezone(zone)
    return shown.strftime("%a %d %b %Y %H:%M" if with_date else "%H:%M")


def span(meeting: Meeting, zone: ZoneInfo) -> str:
    """Return when a meeting is in `zone`: its start's day and time to its end's time."""
    start = meeting.start.astimezone(zone)
    end = meeting.end.astimezone(zone)
    day = "" if end.date() == start.date() else end.strftime("%a %d %b ")
    return f"{start:%a %d %b %Y %H:%M}{DASH}{day}{end:%H:%M}"


def breakable(text: object) -> Markup:
    """Return an address escaped, with a line break allowed after its @ and before each dot.

    A narrow window then wraps `levan.kavtaradze@iom.example.org` at its parts, never
    in the middle of a name.
    """
    escaped = str(escape(str(text)))
    return Markup(escaped.replace("@", "@<wbr>").replace(".", "<wbr>."))
