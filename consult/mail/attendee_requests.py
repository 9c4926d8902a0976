"""Attendees' calendars asking for something other than an answer: COUNTER and REFRESH (RFC 5546).

Google's and Outlook's "propose a new time" send a COUNTER: the meeting's UID,
the proposer as ATTENDEE, the proposed DTSTART and DTEND. `read_requests`
finds them, and REFRESH requests ("send me the meeting again"), in the inbox's
`.eml` and `.ics` files; `record_counters` stores each counter-proposal once.
`send_declinecounter` tells the proposer that the coordinator declined it
(METHOD:DECLINECOUNTER, section 3.2.8), `answer_refreshes` sends the asker
the meeting's current REQUEST; both through the delivery ledger, once each
per meeting SEQUENCE. Accepting a counter-proposal is a reschedule: the
update goes to everyone (`consult.application.counter_proposals.decide_counter`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from icalendar import Calendar, Component, Event, vCalAddress

from consult.errors import InvalidCalendar
from consult.mail.calendar import MAX_REPLY_BYTES, PRODID
from consult.mail.delivery import Delivered, Outgoing, deliver
from consult.mail.invitations import TEMPLATES, addressed, language_of, meeting_context, prepare
from consult.mail.mailing import Mailing, mailing
from consult.mail.mime import RawMessage
from consult.mail.news import news_for
from consult.mail.render import render_message
from consult.mail.replies import REQUEST_METHODS, Ask, read_inbox
from consult.mail.sender import Sender
from consult.mail.transports import Transport
from consult.store import Store
from consult.store.proposals import Counter, counter_key
from consult.workspace.loading import Workspace
from schemas.state import Attendee, Meeting, MessageKind

METHODS = REQUEST_METHODS
# icalendar meets some malformed input with these rather than a ValueError.
_LIBRARY_FAULTS = (ValueError, TypeError, AttributeError, KeyError, IndexError)


@dataclass(frozen=True)
class CounterLine:
    """One attendee's proposal of a new time for one meeting."""

    uid: str
    sequence: int
    proposer: str
    start: dt.datetime
    end: dt.datetime
    comment: str
    stamp: str
    """The calendar's DTSTAMP, as written: with the rest, it tells one proposal from another."""


@dataclass(frozen=True)
class RefreshLine:
    """An attendee's request for the meeting's current invitation."""

    uid: str
    email: str


@dataclass(frozen=True)
class Requests:
    """The COUNTERs and REFRESHes of the inbox, with their files, and one problem per bad file."""

    counters: list[tuple[str, CounterLine]]
    refreshes: list[tuple[str, RefreshLine]]
    problems: list[str]

    @property
    def sources(self) -> set[str]:
        """Return the files that held a COUNTER or a REFRESH."""
        return {s for s, _ in self.counters} | {s for s, _ in self.refreshes}


def parse_requests(data: bytes, sender: str = "") -> tuple[list[CounterLine], list[RefreshLine]]:
    """Return the counter-proposals and refresh requests of one iTIP calendar; none for others.

    A COUNTER names its proposer as its ATTENDEE; with several, the one who sent
    the email (`sender`). Raises InvalidCalendar naming what is wrong.
    """
    if len(data) > MAX_REPLY_BYTES:
        raise InvalidCalendar(
            f"the calendar is {len(data):,} bytes, more than the {MAX_REPLY_BYTES:,} one may be"
        )
    try:
        calendar = Calendar.from_ical(data)
    except _LIBRARY_FAULTS as error:
        raise InvalidCalendar(f"not an iCalendar object: {str(error)[:80]!r}") from None
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method not in METHODS:
        return [], []
    counters, refreshes = [], []
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        if not uid:
            raise InvalidCalendar(f"a VEVENT of the {method} has no UID")
        who = _attendees(event)
        if method == "REFRESH":
            refreshes += [RefreshLine(uid, email) for email in who]
            continue
        counters.append(_counter(event, uid, _proposer(uid, who, sender)))
    return counters, refreshes


def _attendees(event: Component) -> list[str]:
    found = event.get("ATTENDEE", [])
    emails = []
    for address in found if isinstance(found, list) else [found]:
        text = str(address).strip()
        if text[:7].lower() == "mailto:" and "@" in text:
            emails.append(text[7:].strip().lower())
    return emails


def _proposer(uid: str, attendees: Sequence[str], sender: str) -> str:
    if len(attendees) == 1:
        return attendees[0]
    if sender and sender.lower() in attendees:
        return sender.lower()
    raise InvalidCalendar(
        f"event {uid!r}: a COUNTER names its proposer as its one ATTENDEE, "
        f"this has {len(attendees)}" + (f" and none is the sender {sender}" if sender else "")
    )


def _counter(event: Component, uid: str, proposer: str) -> CounterLine:
    times = []
    for name in ("DTSTART", "DTEND"):
        value = event.get(name)
        when = getattr(value, "dt", None)
        if not isinstance(when, dt.datetime) or when.utcoffset() is None:
            raise InvalidCalendar(f"event {uid!r}: the COUNTER's {name} is no date and time")
        times.append(when.astimezone(dt.UTC))
    start, end = times
    if end <= start:
        raise InvalidCalendar(f"event {uid!r}: the COUNTER's DTEND is not after its DTSTART")
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        raise InvalidCalendar(f"event {uid!r}: SEQUENCE is not an integer") from None
    stamp = event.get("DTSTAMP")
    return CounterLine(
        uid,
        sequence,
        proposer,
        start,
        end,
        str(event.get("COMMENT", "")).strip(),
        stamp.to_ical().decode() if stamp is not None else "",
    )


def read_requests(folder: Path) -> Requests:
    """Return the COUNTERs and REFRESHes in the folder's `*.eml` and `*.ics` files, by name."""
    return read_asks(read_inbox(folder).asks)


def read_asks(asks: Sequence[Ask]) -> Requests:
    """Return the COUNTERs and REFRESHes of the calendars taken out of the messages read.

    Each calendar is parsed here, once; a bad one is a problem naming where it was.
    """
    requests = Requests([], [], [])
    for ask in asks:
        try:
            counters, refreshes = parse_requests(ask.calendar, ask.sender)
        except InvalidCalendar as error:
            requests.problems.append(f"{ask.source}: {error}")
            continue
        requests.counters.extend((ask.source, line) for line in counters)
        requests.refreshes.extend((ask.source, line) for line in refreshes)
    return requests


def record_counters(store: Store, found: Sequence[tuple[str, CounterLine]]) -> list[str]:
    """Return what became of each counter-proposal after storing those new to the store,
    all in one transaction."""
    checked = []
    for source, line in found:
        meeting = store.meeting_by_uid(line.uid)
        checked.append(
            (
                source,
                line,
                "ignored: unknown UID" if meeting is None else _check(store, meeting, line),
            )
        )
    to_record = [
        (outcome.meeting_id, outcome.key, outcome.detail(source, line))
        for source, line, outcome in checked
        if isinstance(outcome, _Counter)
    ]
    new = iter(store.record_counters(to_record))
    outcomes = []
    for source, line, outcome in checked:
        if isinstance(outcome, _Counter):
            outcome = "recorded" if next(new) else "already recorded"
        outcomes.append(f"{source}: counter-proposal of {line.proposer}: {outcome}")
    return outcomes


@dataclass(frozen=True)
class _Counter:
    """A counter-proposal to record: its meeting and key."""

    meeting_id: str
    key: str

    @staticmethod
    def detail(source: str, line: CounterLine) -> dict[str, Any]:
        return {
            "proposer": line.proposer,
            "start": line.start.isoformat(),
            "end": line.end.isoformat(),
            "sequence": line.sequence,
            "comment": line.comment,
            "source": source,
        }


def _check(store: Store, meeting: Meeting, line: CounterLine) -> str | _Counter:
    """Return why the counter-proposal is ignored, or what to record of it."""
    if line.proposer not in {a.email.lower() for a in store.attendees(meeting.id)}:
        return "ignored: not invited"
    if line.sequence < meeting.sequence:
        return f"ignored: outdated (SEQUENCE {line.sequence} < {meeting.sequence})"
    if meeting.status not in ("proposed", "confirmed"):
        return f"ignored: the meeting is {meeting.status}"
    key = counter_key(line.proposer, line.sequence, line.start, line.end, line.stamp)
    return _Counter(meeting.id, key)


def build_declinecounter(
    meeting: Meeting,
    proposer: Attendee,
    *,
    organizer_name: str,
    organizer_email: str,
    dtstamp: dt.datetime,
    comment: str = "",
) -> bytes:
    """Return the iTIP DECLINECOUNTER (RFC 5546, 3.2.8) telling the proposer the time stays."""
    event = Event()
    event.add("UID", meeting.uid)
    event.add("SEQUENCE", meeting.sequence)
    event.add("DTSTAMP", dtstamp.astimezone(dt.UTC))
    event.add("ORGANIZER", vCalAddress.new(organizer_email, cn=organizer_name))
    event.add("ATTENDEE", vCalAddress.new(proposer.email, cn=proposer.name))
    if comment:
        event.add("COMMENT", comment)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", "DECLINECOUNTER")
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def send_declinecounter(
    mail: Mailing,
    store: Store,
    transport: Transport,
    meeting: Meeting,
    counter: Counter,
    comment: str = "",
) -> list[Delivered]:
    """Return the delivery of the DECLINECOUNTER to the proposer, in their language and zone.

    A proposer no longer among the meeting's attendees is told nothing: nothing is sent.
    """
    proposers = [a for a in store.attendees(meeting.id) if a.email.lower() == counter.proposer]
    if not proposers:
        return []
    proposer = proposers[0]
    sender, now = mail.sender, mail.now

    def build(message_id: str) -> RawMessage:
        language = language_of(proposer)
        context = meeting_context(mail, meeting, proposer, reason=comment or None)
        rendered = render_message(
            "counter_declined", language, context, overrides=mail.workspace.root / TEMPLATES
        )
        calendar = build_declinecounter(
            meeting,
            proposer,
            organizer_name=sender.name_for(language),
            organizer_email=sender.email,
            dtstamp=now,
            comment=comment,
        )
        return addressed(sender, proposer, rendered, calendar, now, message_id)

    outgoing = Outgoing(meeting.id, proposer.email, meeting.sequence, "counter_declined", build)
    return deliver(store, transport, [outgoing], domain=sender.domain)


def answer_refreshes(
    workspace: Workspace,
    store: Store,
    transport: Transport,
    sender: Sender,
    found: Sequence[tuple[str, RefreshLine]],
    now: dt.datetime,
) -> list[Delivered]:
    """Return the delivery of the current REQUEST to each invited attendee who asked for it.

    Only meetings going ahead (confirmed, not started) are sent again; once per
    attendee and SEQUENCE, whatever the number of REFRESHes.
    """
    outgoing = []
    for _, line in found:
        meeting = store.meeting_by_uid(line.uid)
        if meeting is None or meeting.status != "confirmed" or meeting.start <= now:
            continue
        attendees = tuple(store.attendees(meeting.id))
        asking = [a for a in attendees if a.email.lower() == line.email]
        if not asking:
            continue
        kind: MessageKind = "invitation" if meeting.sequence == 0 else "update"
        mail = mailing(workspace, meeting.training, sender, now)
        news = news_for(meeting, kind, store.messages(meeting.id), frozenset(), asking[0].email)
        build = partial(prepare, mail, meeting, attendees, asking[0], news, {})
        outgoing.append(Outgoing(meeting.id, asking[0].email, meeting.sequence, "refresh", build))
    return deliver(store, transport, outgoing, domain=sender.domain) if outgoing else []
