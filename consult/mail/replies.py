"""Attendees' answers: iTIP REPLY files read from the inbox, recorded in the store, summed up.

`read_inbox` finds the REPLY calendars in a folder of `.eml` messages and `.ics` files,
`record_replies` stores each answer once (reading the same file again records nothing new),
and `round_status` tells, per meeting and organisation, who accepted, declined or is silent.

In a message, a calendar is a text/calendar or application/ics part, or any attachment named
`*.ics`. Its Content-Type `method` (RFC 6047) says whether it is a REPLY; mail clients write
it quoted or not, in any case, or not at all, and then the calendar's own METHOD decides.

A file or message larger than a reply can be, or whose MIME parts nest deeper than mail
clients nest them, is refused before it is parsed: the email package parses nested parts
recursively, and slower the deeper they go (900 levels take 2 s; 5,000 overflow the stack).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.errors import CalendarError, InvalidCalendar
from consult.mail.bounces import FoundNotice, Notice, read_notice
from consult.mail.calendar import MAX_REPLY_BYTES, ReplyLine, parse_reply
from consult.mail.comments import typed_text
from consult.mail.mime import calendar_method
from consult.store import Answer, Store
from consult.store.meetings import AnswerRecorded
from consult.workspace.loading import Workspace
from schemas.state import Attendee, Meeting, MeetingStatus, PartStat

SUFFIXES = (".eml", ".ics")
CALENDAR_TYPES = ("text/calendar", "application/ics")
MAX_MESSAGE_BYTES = 5_000_000
"""The largest message read for a REPLY; an answer with its quoted invitation is a few kB."""
MAX_MIME_DEPTH = 20
"""The deepest MIME parts may nest; mail clients nest three or four, a forward a few more."""
MAX_MIME_PARTS = 200
"""The most MIME parts a message may hold in all: an answer with attachments has a dozen.

Counted by a scan of its lines before the email package parses it, as the depth is:
the parser takes seconds for every few thousand parts, on every run.
"""

_FOLD = re.compile(rb"\r?\n[ \t]")
_CONTAINER = re.compile(rb"^content-type[ \t]*:[ \t]*(?:multipart|message)/", re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_TOO_DEEP = f"the message nests its parts more than {MAX_MIME_DEPTH} deep"
_TOO_MANY = f"the message has more than {MAX_MIME_PARTS:,} MIME parts; a reply has a few"


@dataclass(frozen=True)
class Found:
    """One answer found in the inbox, and the file it came from (`inbox/<name>`)."""

    source: str
    line: ReplyLine


@dataclass(frozen=True)
class InboxRead:
    """The answers found in the inbox, and one problem per file that holds none."""

    found: list[Found]
    problems: list[str]
    notices: list[FoundNotice] = field(default_factory=list)
    """The bounces and automatic replies, which are no answers."""
    unreadable: list[Unreadable] = field(default_factory=list)
    """The mailbox's messages that could not be read at all (also among `problems`)."""
    asks: list[Ask] = field(default_factory=list)
    """The COUNTER and REFRESH calendars found, each with where it was and who sent it, for
    `consult.mail.attendee_requests.read_asks`: taken out of the message read once."""


@dataclass(frozen=True)
class Ask:
    """A calendar asking the organiser something (a COUNTER or REFRESH): where, who, what."""

    source: str
    sender: str
    """The From address of the email that carried it, lower-cased; "" for a bare `.ics` file."""
    calendar: bytes


@dataclass(frozen=True)
class Letter:
    """What one email holds, from one parse: a bounce or automatic reply, or its calendars."""

    notice: Notice | None
    lines: list[ReplyLine]
    """The answers of its REPLY calendars (none if it is a notice, or `problem` says why)."""
    asks: list[bytes]
    """Its COUNTER and REFRESH calendars."""
    sender: str
    has_calendar: bool
    problem: str = ""
    """Why it holds no answer, when it holds none (and is no notice)."""


@dataclass(frozen=True)
class Unreadable:
    """A message that cannot be read, where it was and why; recorded so it is not read again."""

    source: str
    reason: str


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of one answer: recorded, outdated, already recorded, or ignored and why."""

    source: str
    uid: str
    email: str
    outcome: str


@dataclass(frozen=True)
class RepliesReport:
    """What became of each answer given to `record_replies`, in the order given."""

    rows: list[ReplyOutcome]

    def to_markdown(self) -> str:
        """Return the report as a Markdown table, for a Prefect artifact or a file."""
        if not self.rows:
            return "No replies in the inbox.\n"
        lines = [
            "| file | UID | attendee | outcome |",
            "| --- | --- | --- | --- |",
            *(
                f"| {_cell(r.source)} | {_cell(r.uid)} | {_cell(r.email)} | {_cell(r.outcome)} |"
                for r in self.rows
            ),
        ]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class StatusRow:
    """The answers of one organisation's consulted people to one meeting."""

    meeting_id: str
    start: dt.datetime
    status: MeetingStatus
    organisation: str
    organisation_name: str
    accepted: tuple[Attendee, ...]
    declined: tuple[Attendee, ...]
    tentative: tuple[Attendee, ...]
    delegated: tuple[Attendee, ...]
    no_answer: tuple[Attendee, ...]
    bounced: tuple[Attendee, ...] = ()
    """Those who have not answered because their address bounced: not among `no_answer`."""


def read_inbox(folder: Path) -> InboxRead:
    """Return the answers in the folder's `*.eml` and `*.ics` files, by file name.

    Sub-folders are not read; a folder that does not exist holds no answers.
    """
    if not folder.is_dir():
        return InboxRead(found=[], problems=[])
    found: list[Found] = []
    problems: list[str] = []
    notices: list[FoundNotice] = []
    asks: list[Ask] = []
    files = sorted(
        path for path in folder.iterdir() if path.suffix.lower() in SUFFIXES and path.is_file()
    )
    for path in files:
        source = f"{folder.name}/{path.name}"
        is_message = path.suffix.lower() == ".eml"
        try:
            data = _read_file(path, MAX_MESSAGE_BYTES if is_message else MAX_REPLY_BYTES)
            if not is_message:
                lines = _file_lines(source, data, asks)
            else:
                letter = read_letter(data)
                asks += [Ask(source, letter.sender, calendar) for calendar in letter.asks]
                if letter.notice is not None:
                    notices.append(FoundNotice(source, letter.notice))
                    continue
                if letter.problem:
                    raise InvalidCalendar(letter.problem)
                lines = letter.lines
        except (InvalidCalendar, OSError) as error:
            problems.append(f"{source}: {error}")
            continue
        except Exception as error:  # one malformed message must not stop the others
            problems.append(f"{source}: {unreadable(error)}")
            continue
        found += [Found(source=source, line=line) for line in lines]
    return InboxRead(found=found, problems=problems, notices=notices, asks=asks)


def _file_lines(source: str, data: bytes, asks: list[Ask]) -> list[ReplyLine]:
    """Return the answers of a bare `.ics` file; a COUNTER or REFRESH goes to `asks` unparsed."""
    try:
        method = calendar_method(data)
    except CalendarError:
        method = ""
    if method in REQUEST_METHODS:
        asks.append(Ask(source, "", data))
        raise InvalidCalendar(f"not an iTIP REPLY: METHOD is {method}")
    return parse_reply(data)


def read_letter(data: bytes) -> Letter:
    """Return what an email holds, parsing it once: a notice, its answers, its requests.

    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    An answer without a COMMENT takes the text typed in the mail as its comment.
    """
    message = _parse_message(data)
    notice = read_notice(message)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    leaves = list(_leaves(message))
    calendars = []
    for part in leaves:
        payload = part.get_payload(decode=True) if _is_calendar(part) else None
        if isinstance(payload, bytes):
            calendars.append((_declared_method(part) or _calendar_method(payload), payload))
    asks = [payload for method, payload in calendars if method in REQUEST_METHODS]
    if notice is not None:
        return Letter(notice, [], asks, sender, bool(calendars))
    try:
        lines = _reply_lines(calendars, leaves)
    except InvalidCalendar as error:
        return Letter(None, [], asks, sender, bool(calendars), str(error))
    return Letter(None, lines, asks, sender, True)


def _reply_lines(calendars: list[tuple[str, bytes]], leaves: list[Message]) -> list[ReplyLine]:
    """Return the answers of an email's REPLY calendars, or InvalidCalendar saying why none."""
    lines: list[ReplyLine] = []
    others: set[str] = set()
    for method, payload in calendars:
        if method != "REPLY":
            others.add(method)
            continue
        lines += [line for line in parse_reply(payload) if line not in lines]
    if not lines:
        why = f" (its calendar's METHOD is {', '.join(sorted(others))})" if others else ""
        raise InvalidCalendar(f"no iTIP REPLY in the message{why}")
    if all(line.comment for line in lines):
        return lines
    typed = typed_text(leaves)  # no COMMENT: the words of the mail say it
    return [line if line.comment else replace(line, comment=typed) for line in lines]


def record_replies(store: Store, found: Sequence[Found]) -> RepliesReport:
    """Return what became of each answer after recording those to a meeting of the store.

    An answer whose UID no meeting has, or from someone the meeting does not invite, is
    ignored. One to an earlier SEQUENCE is kept, but the store leaves the attendee's answer
    as it is. An answer recorded before from the same file is not recorded again.
    """
    answers = [
        (
            item.line.uid,
            Answer(
                item.line.email,
                item.line.partstat,
                item.line.sequence,
                item.source,
                item.line.comment or None,
            ),
        )
        for item in found
    ]
    done = store.record_answers(answers)  # one transaction for them all
    rows = [
        ReplyOutcome(item.source, item.line.uid, item.line.email, _outcome(item.line, recorded))
        for item, recorded in zip(found, done, strict=True)
    ]
    return RepliesReport(rows=rows)


def round_status(
    workspace: Workspace, store: Store, training: str, round_id: str
) -> list[StatusRow]:
    """Return, per meeting of the round and organisation, how its consulted people answered.

    Only the consulted side (REQ-PARTICIPANT) counts, not the facilitators who chair;
    cancelled meetings are left out. People whose address bounced, and who have not
    answered, show as bounced rather than silent.
    """
    zone = ZoneInfo(workspace.training(training).timezone)
    organisations = {o.id: o.name.en for o in workspace.stakeholders.organisations}
    bounced = set(store.bounced())
    rows = []
    for meeting in store.meetings(training, round_id):
        if meeting.status == "cancelled":
            continue
        groups: dict[str, list[Attendee]] = {}
        for attendee in store.attendees(meeting.id):
            if attendee.role != "REQ-PARTICIPANT":
                continue
            organisation = attendee.organisation or meeting.organisation
            groups.setdefault(organisation, []).append(attendee)
        rows += [
            _bounced_apart(
                _status_row(
                    meeting,
                    organisation,
                    organisations.get(organisation, organisation),
                    people,
                    zone,
                ),
                bounced,
            )
            for organisation, people in groups.items()
        ]
    return rows


def _bounced_apart(row: StatusRow, bounced: set[str]) -> StatusRow:
    """Return the row with the silent people whose address bounced moved to `bounced`."""
    moved = tuple(a for a in row.no_answer if a.email.lower() in bounced)
    if not moved:
        return row
    silent = tuple(a for a in row.no_answer if a not in moved)
    return replace(row, no_answer=silent, bounced=moved)


def status_markdown(rows: Sequence[StatusRow]) -> str:
    """Return the answers of a round as a Markdown table, for a Prefect artifact or the CLI."""
    if not rows:
        return "No meeting of this round is going ahead.\n"
    # The column of bounced addresses shows only when one bounced.
    bounced = any(r.bounced for r in rows)
    lines = [
        "| meeting | when | status | organisation | accepted | declined | tentative "
        "| delegated | no answer |" + (" bounced |" if bounced else ""),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if bounced else ""),
        *(
            f"| {_cell(r.meeting_id)} | {r.start:%Y-%m-%d %H:%M} | {r.status} "
            f"| {_cell(r.organisation_name)} | {_people(r.accepted)} | {_people(r.declined)} "
            f"| {_people(r.tentative)} | {_people(r.delegated)} | {_people(r.no_answer)} |"
            + (f" {_people(r.bounced)} |" if bounced else "")
            for r in rows
        ),
    ]
    return "\n".join(lines) + "\n"


def _status_row(
    meeting: Meeting, organisation: str, name: str, people: list[Attendee], zone: ZoneInfo
) -> StatusRow:
    """Return the answers of `people`, of one organisation, to the meeting."""

    def answered(partstat: PartStat) -> tuple[Attendee, ...]:
        return tuple(p for p in people if p.partstat == partstat)

    return StatusRow(
        meeting_id=meeting.id,
        start=meeting.start.astimezone(zone),
        status=meeting.status,
        organisation=organisation,
        organisation_name=name,
        accepted=answered("ACCEPTED"),
        declined=answered("DECLINED"),
        tentative=answered("TENTATIVE"),
        delegated=answered("DELEGATED"),
        no_answer=answered("NEEDS-ACTION"),
    )


def notice_in(data: bytes) -> Notice | None:
    """Return the bounce or automatic reply an email is, or None if it is neither.

    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    """
    return read_notice(_parse_message(data))


def unreadable(error: Exception) -> str:
    """Return why a message the email package could not take apart cannot be read."""
    return f"the message cannot be read ({type(error).__name__}: {error})"


REQUEST_METHODS = ("COUNTER", "REFRESH")
"""The iTIP methods an attendee sends that are no answer but ask the organiser something."""


def has_calendar(data: bytes) -> bool:
    """Return whether an email holds a calendar part at all (a REPLY or not).

    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    """
    return any(_is_calendar(part) for part in _leaves(_parse_message(data)))


def message_lines(data: bytes) -> list[ReplyLine]:
    """Return the answers of the REPLY calendars in an email, or InvalidCalendar saying why not.

    A calendar sent both inline and as an attachment gives its answers once. An answer
    without a COMMENT takes the text typed in the mail as its comment (`typed_text`).
    """
    message = _parse_message(data)
    leaves = list(_leaves(message))
    calendars = []
    for part in leaves:
        payload = part.get_payload(decode=True) if _is_calendar(part) else None
        if isinstance(payload, bytes):
            calendars.append((_declared_method(part) or _calendar_method(payload), payload))
    return _reply_lines(calendars, leaves)


def message_calendars(data: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """Return an email's From address and each calendar part in it, with its METHOD.

    For the iTIP messages other than REPLY (COUNTER, REFRESH: `consult.mail.attendee_requests`).
    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    """
    message = _parse_message(data)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    found = []
    for part in _leaves(message):
        payload = part.get_payload(decode=True) if _is_calendar(part) else None
        if isinstance(payload, bytes):
            found.append((_declared_method(part) or _calendar_method(payload), payload))
    return sender, found


def _read_file(path: Path, limit: int) -> bytes:
    """Return the file's bytes, or InvalidCalendar if it is larger than a reply can be."""
    size = path.stat().st_size
    if size > limit:
        raise InvalidCalendar(f"the file is {size:,} bytes, more than the {limit:,} a reply may be")
    return path.read_bytes()


def _parse_message(data: bytes) -> Message:
    """Return the parsed email, or InvalidCalendar if it is empty, too large or too deep."""
    if not data.strip():
        raise InvalidCalendar("the message is empty")
    if len(data) > MAX_MESSAGE_BYTES:
        raise InvalidCalendar(
            f"the message is {len(data):,} bytes, "
            f"more than the {MAX_MESSAGE_BYTES:,} a reply may be"
        )
    shape = _shape_exceeds(data, MAX_MIME_DEPTH, MAX_MIME_PARTS)
    if shape is not None:
        raise InvalidCalendar(shape)
    return BytesParser(policy=policy.default).parsebytes(data)


def _shape_exceeds(data: bytes, depth: int, parts: int) -> str | None:
    """Return why the message's parts nest deeper than `depth` or number over `parts`, if so.

    Each multipart or message/* Content-Type opens a level; a boundary line closes the levels
    opened inside its part. The scan errs towards depth: a level it cannot close stays open.
    Parts are counted as the parser finds them: each line that is a boundary declared
    anywhere, unfolded or not, starts one; it spends a fifth of a millisecond on each.
    """
    opened: list[bytes | None] = []
    declared: set[bytes] = set()
    for line in _FOLD.sub(b" ", data).splitlines():
        if line.startswith(b"--") and opened:
            marker = line.rstrip()
            for level in range(len(opened) - 1, -1, -1):
                boundary = opened[level]
                if boundary is None or marker not in (b"--" + boundary, b"--" + boundary + b"--"):
                    continue
                closing = marker == b"--" + boundary + b"--"
                del opened[level if closing else level + 1 :]
                break
        elif _CONTAINER.match(line):
            found = _BOUNDARY.search(line)
            opened.append((found.group(1) or found.group(2)) if found else None)
            if found:
                declared.add(opened[-1] or b"")
            if len(opened) > depth:
                return _TOO_DEEP
    started = (line.rstrip()[2:] for line in data.splitlines() if line.startswith(b"--"))
    return _TOO_MANY if sum(marker in declared for marker in started) > parts else None


def _leaves(message: Message) -> Iterator[Message]:
    """Yield the parts of the message that hold content, in order, or raise if too deep."""
    # The scan of `_shape_exceeds` guards the parser; this walk counts the depth it parsed.
    pending = [(message, 0)]
    while pending:
        part, depth = pending.pop()
        if depth > MAX_MIME_DEPTH:
            raise InvalidCalendar(_TOO_DEEP)
        children = part.get_payload()
        if part.is_multipart() and isinstance(children, list):
            pending += [(c, depth + 1) for c in reversed(children) if isinstance(c, Message)]
        else:
            yield part


def _is_calendar(part: Message) -> bool:
    """Return whether a MIME part holds a calendar: by its type, or by an attachment's name."""
    if part.is_multipart():
        return False
    filename = part.get_filename() or ""
    return part.get_content_type() in CALENDAR_TYPES or filename.lower().endswith(".ics")


def _declared_method(part: Message) -> str:
    """Return the part's Content-Type `method`, upper-cased, or "" if it has none."""
    value = part.get_param("method")
    if value is None:
        return ""
    return collapse_rfc2231_value(value).strip().upper()


def _calendar_method(payload: bytes) -> str:
    """Return the calendar's own METHOD, or a phrase saying that it has none that can be read."""
    try:
        return calendar_method(payload)
    except CalendarError:
        return "missing or unreadable"


def _outcome(line: ReplyLine, recorded: AnswerRecorded) -> str:
    """Return what became of the answer, in words."""
    meeting = recorded.meeting
    if meeting is None:
        return "ignored: unknown UID"
    if recorded.attendee is None:
        return "ignored: not invited"
    if not recorded.new:
        return "already recorded"
    if line.sequence < meeting.sequence:
        return f"outdated (SEQUENCE {line.sequence} < {meeting.sequence})"
    return f"recorded {line.partstat}"


def _people(attendees: Sequence[Attendee]) -> str:
    return "<br>".join(_cell(f"{a.name} ({a.email})") for a in attendees) or "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
