"""Attendees' answers: iTIP REPLY files read from the inbox, recorded in the store, summed up.

`read_inbox` finds the REPLY calendars in a folder of `.eml` messages and `.ics` files,
`record_replies` stores each answer once (reading the same file again records nothing new),
and `round_status` tells, per meeting and organisation, who accepted, declined or is silent.

Each email is parsed once (`consult.mail.letters.read_letter`), whatever it turns out to
hold; a file larger than a reply can be is refused before it is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.errors import CalendarError, InvalidCalendar
from consult.mail.bounces import FoundNotice
from consult.mail.calendar import MAX_REPLY_BYTES, ReplyLine, parse_reply
from consult.mail.letters import MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES
from consult.mail.letters import MAX_MIME_DEPTH as MAX_MIME_DEPTH
from consult.mail.letters import MAX_MIME_PARTS as MAX_MIME_PARTS
from consult.mail.letters import REQUEST_METHODS as REQUEST_METHODS
from consult.mail.letters import Letter as Letter
from consult.mail.letters import has_calendar as has_calendar
from consult.mail.letters import message_calendars as message_calendars
from consult.mail.letters import message_lines as message_lines
from consult.mail.letters import notice_in as notice_in
from consult.mail.letters import read_letter as read_letter
from consult.mail.letters import unreadable as unreadable
from consult.mail.mime import calendar_method
from consult.store import Answer, Store
from consult.store.meetings import AnswerRecorded
from consult.workspace.loading import Workspace
from schemas.state import Attendee, Meeting, MeetingStatus, PartStat

SUFFIXES = (".eml", ".ics")


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


def _read_file(path: Path, limit: int) -> bytes:
    """Return the file's bytes, or InvalidCalendar if it is larger than a reply can be."""
    size = path.stat().st_size
    if size > limit:
        raise InvalidCalendar(f"the file is {size:,} bytes, more than the {limit:,} a reply may be")
    return path.read_bytes()


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
