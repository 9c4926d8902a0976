"""Replies read from real message files in an inbox, recorded in a real SQLite store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from consult.mail.calendar import ReplyLine
from consult.mail.replies import (
    Found,
    InboxRead,
    ReplyOutcome,
    read_inbox,
    record_replies,
    round_status,
    status_markdown,
)
from consult.store import MeetingPlan, Proposal, Store, open_store
from consult.workspace.loading import Workspace, load_workspace
from schemas.state import Attendee, AttendeeRole, PartStat

TRAINING = "winter-2027"
ROUND = "round-1"
MIA = f"{TRAINING}/{ROUND}/mia"
GROUP = f"{TRAINING}/{ROUND}/coordinators"
TBILISI = dt.timezone(dt.timedelta(hours=4))
START = dt.datetime(2027, 1, 12, 10, 0, tzinfo=TBILISI)
NINO = "nino@mia.example.gov.ge"
LEVAN = "Levan@MIA.example.gov.ge"
GIORGI = "giorgi@mia.example.gov.ge"
TAMAR = "tamar@mia.example.gov.ge"
LELA = "lela@example.org"


def person(
    meeting_id: str, email: str, name: str, role: AttendeeRole = "REQ-PARTICIPANT"
) -> Attendee:
    organisation = None if role == "CHAIR" else meeting_id.rsplit("/", 1)[1]
    return Attendee(
        meeting_id=meeting_id,
        email=email,
        name=name,
        role=role,
        organisation=organisation,
        language="ka",
        timezone="Asia/Tbilisi",
    )


def proposal(meeting_id: str, start: dt.datetime, *attendees: Attendee) -> Proposal:
    return Proposal(
        id=meeting_id,
        training=TRAINING,
        round=ROUND,
        organisation=meeting_id.rsplit("/", 1)[1],
        format="online",
        start=start,
        end=start + dt.timedelta(hours=1),
        location="https://meet.example.org/mia",
        facilitators=("lela",),
        attendees=attendees,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store holding a round of two proposed meetings: a ministry and a group."""
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.propose_round(
            TRAINING,
            ROUND,
            [
                proposal(
                    MIA,
                    START,
                    person(MIA, LELA, "Lela Tsereteli", role="CHAIR"),
                    person(MIA, NINO, "ნინო ბერიძე"),
                    person(MIA, LEVAN, "Levan Kobakhidze"),
                ),
                proposal(
                    GROUP,
                    START + dt.timedelta(days=1, hours=4),
                    person(GROUP, LELA, "Lela Tsereteli", role="CHAIR"),
                    person(GROUP, GIORGI, "გიორგი კაპანაძე"),
                    person(GROUP, TAMAR, "Tamar Abashidze"),
                ),
            ],
            withdraw=[],
            actor="test",
        )
        yield store


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An empty inbox/ folder."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def uid(store: Store, meeting_id: str) -> str:
    meeting = store.get_meeting(meeting_id)
    assert meeting is not None
    return meeting.uid


def reply(
    uid: str,
    email: str,
    partstat: str = "ACCEPTED",
    *,
    sequence: int = 0,
    method: str = "REPLY",
    mailto: str = "mailto",
) -> bytes:
    """Return an iTIP calendar as a mail client writes it when its user answers."""
    return (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//Example//Mail client//EN\r\n"
        f"METHOD:{method}\r\n"
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\n"
        f"SEQUENCE:{sequence}\r\n"
        "DTSTAMP:20261201T093000Z\r\n"
        "DTSTART:20270112T060000Z\r\n"
        "ORGANIZER;CN=Consultations:mailto:consult@example.org\r\n"
        f'ATTENDEE;CN="ნინო ბერიძე";PARTSTAT={partstat}:{mailto}:{email}\r\n'
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


def quoted_email(calendar: bytes, method: str = "REPLY") -> bytes:
    """Return a reply email whose text/calendar part has a quoted method (the email package's)."""
    message = EmailMessage()
    message["From"] = NINO
    message["To"] = "consult@example.org"
    message["Subject"] = "Accepted: კონსულტაცია"
    message.set_content("ნინო ბერიძე has accepted.")
    message.add_alternative(
        calendar, maintype="text", subtype="calendar", params={"method": method}
    )
    raw = message.as_bytes()
    assert f'method="{method}"'.encode() in raw
    return raw


def unquoted_email(calendar: bytes, method: str = "REPLY") -> bytes:
    """Return a reply email, mixed > alternative > text/calendar, with an unquoted method."""
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("ნინო ბერიძე has accepted.", "plain", "utf-8"))
    part = MIMEText(calendar.decode(), "calendar", "utf-8")
    part.set_param("method", method, requote=False)
    alternative.attach(part)
    message = MIMEMultipart("mixed")
    message["From"] = NINO
    message["Subject"] = "Accepted"
    message.attach(alternative)
    raw = message.as_bytes()
    assert f"; method={method}\n".encode() in raw
    return raw


def attached_email(calendar: bytes, subtype: str, *, inline: bool = False) -> bytes:
    """Return a reply email carrying the calendar as a `reply.ics` attachment, no method given."""
    message = EmailMessage()
    message["From"] = NINO
    message["Subject"] = "Accepted"
    message.set_content("See the attached answer.")
    if inline:
        message.add_alternative(
            calendar, maintype="text", subtype="calendar", params={"method": "REPLY"}
        )
    message.add_attachment(calendar, maintype="application", subtype=subtype, filename="reply.ics")
    return message.as_bytes()


def only_found(read: InboxRead) -> Found:
    assert read.problems == []
    (found,) = read.found
    return found


def test_a_reply_whose_method_parameter_is_unquoted_is_found(store: Store, inbox: Path) -> None:
    (inbox / "nino.eml").write_bytes(unquoted_email(reply(uid(store, MIA), NINO)))

    assert only_found(read_inbox(inbox)) == Found(
        "inbox/nino.eml",
        ReplyLine(uid=uid(store, MIA), sequence=0, email=NINO, partstat="ACCEPTED"),
    )


def test_a_reply_whose_method_parameter_is_quoted_is_found(store: Store, inbox: Path) -> None:
    (inbox / "nino.eml").write_bytes(quoted_email(reply(uid(store, MIA), NINO, "DECLINED")))

    assert only_found(read_inbox(inbox)).line.partstat == "DECLINED"


def test_a_method_parameter_in_lower_case_names_the_same_method(store: Store, inbox: Path) -> None:
    (inbox / "nino.eml").write_bytes(unquoted_email(reply(uid(store, MIA), NINO), method="reply"))

    assert only_found(read_inbox(inbox)).line.email == NINO


@pytest.mark.parametrize("subtype", ["ics", "octet-stream"])
def test_a_reply_only_attached_as_an_ics_file_is_found(
    store: Store, inbox: Path, subtype: str
) -> None:
    (inbox / "nino.eml").write_bytes(attached_email(reply(uid(store, MIA), NINO), subtype))

    assert only_found(read_inbox(inbox)).source == "inbox/nino.eml"


def test_a_reply_sent_inline_and_attached_is_found_once(store: Store, inbox: Path) -> None:
    (inbox / "nino.eml").write_bytes(
        attached_email(reply(uid(store, MIA), NINO), "ics", inline=True)
    )

    assert only_found(read_inbox(inbox)).line.email == NINO


def test_a_bare_ics_reply_is_found_and_an_upper_case_mailto_is_read(
    store: Store, inbox: Path
) -> None:
    (inbox / "nino.ics").write_bytes(
        reply(uid(store, MIA), "NINO@mia.example.gov.ge", mailto="MAILTO")
    )

    assert only_found(read_inbox(inbox)).line.email == NINO


def test_a_request_in_the_inbox_is_a_problem_naming_the_file(store: Store, inbox: Path) -> None:
    request = reply(uid(store, MIA), NINO, "NEEDS-ACTION", method="REQUEST")
    (inbox / "invite.eml").write_bytes(quoted_email(request, method="REQUEST"))
    (inbox / "invite.ics").write_bytes(request)
    (inbox / "forwarded.eml").write_bytes(attached_email(request, "ics"))

    assert read_inbox(inbox) == InboxRead(
        found=[],
        problems=[
            "inbox/forwarded.eml: no iTIP REPLY in the message (its calendar's METHOD is REQUEST)",
            "inbox/invite.eml: no iTIP REPLY in the message (its calendar's METHOD is REQUEST)",
            "inbox/invite.ics: not an iTIP REPLY: METHOD is REQUEST",
        ],
    )


def test_a_message_without_a_calendar_is_a_problem(inbox: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "The agenda"
    message.set_content("Could you send the agenda?")
    (inbox / "agenda.eml").write_bytes(message.as_bytes())

    # (an out-of-office is an automatic reply: see tests/unit/mail/test_bounces.py)
    assert read_inbox(inbox).problems == ["inbox/agenda.eml: no iTIP REPLY in the message"]


def test_a_broken_reply_is_a_problem_and_the_other_files_are_still_read(
    store: Store, inbox: Path
) -> None:
    (inbox / "a.ics").write_bytes(reply(uid(store, MIA), NINO, "MAYBE"))
    (inbox / "b.eml").write_bytes(quoted_email(b"this is no calendar"))
    (inbox / "c.ics").write_bytes(reply(uid(store, MIA), NINO))

    read = read_inbox(inbox)

    assert read.problems == [
        f"inbox/a.ics: event {uid(store, MIA)!r}: PARTSTAT 'MAYBE' is not one for an event",
        "inbox/b.eml: not an iCalendar object: "
        '"Content line could not be parsed into... is no calendar\': Invalid content line"',
    ]
    assert [found.source for found in read.found] == ["inbox/c.ics"]


def test_only_eml_and_ics_files_directly_in_the_inbox_are_read_in_name_order(
    store: Store, inbox: Path
) -> None:
    (inbox / "b.ics").write_bytes(reply(uid(store, MIA), NINO))
    (inbox / "a.eml").write_bytes(quoted_email(reply(uid(store, GROUP), GIORGI)))
    (inbox / "C.ICS").write_bytes(reply(uid(store, GROUP), TAMAR))
    (inbox / "notes.txt").write_text("not a reply")
    (inbox / "old").mkdir()
    (inbox / "old" / "z.ics").write_bytes(reply(uid(store, MIA), LEVAN))

    read = read_inbox(inbox)

    assert [(f.source, f.line.email) for f in read.found] == [
        ("inbox/C.ICS", TAMAR),
        ("inbox/a.eml", GIORGI),
        ("inbox/b.ics", NINO),
    ]


def test_an_inbox_that_does_not_exist_holds_no_replies(tmp_path: Path) -> None:
    assert read_inbox(tmp_path / "inbox") == InboxRead(found=[], problems=[])


def found(
    store: Store, meeting_id: str, email: str, partstat: PartStat = "ACCEPTED", sequence: int = 0
) -> Found:
    line = ReplyLine(uid=uid(store, meeting_id), sequence=sequence, email=email, partstat=partstat)
    return Found("inbox/reply.ics", line)


def partstats(store: Store, meeting_id: str) -> dict[str, str]:
    return {a.email: a.partstat for a in store.attendees(meeting_id)}


def test_a_reply_becomes_the_attendees_answer(store: Store) -> None:
    report = record_replies(store, [found(store, MIA, NINO)])

    assert report.rows == [
        ReplyOutcome("inbox/reply.ics", uid(store, MIA), NINO, "recorded ACCEPTED")
    ]
    assert partstats(store, MIA)[NINO] == "ACCEPTED"
    (stored,) = store.replies(MIA)
    assert (stored.attendee, stored.partstat, stored.sequence, stored.source) == (
        NINO,
        "ACCEPTED",
        0,
        "inbox/reply.ics",
    )


def test_the_attendee_is_matched_whatever_the_case_of_the_email(store: Store) -> None:
    record_replies(store, [found(store, MIA, LEVAN.lower(), "DECLINED")])

    assert partstats(store, MIA)[LEVAN] == "DECLINED"
    assert [r.attendee for r in store.replies(MIA)] == [LEVAN]


def test_a_reply_to_an_unknown_uid_is_ignored(store: Store) -> None:
    line = ReplyLine(uid="someone-else@example.org", sequence=0, email=NINO, partstat="ACCEPTED")

    report = record_replies(store, [Found("inbox/reply.ics", line)])

    assert [row.outcome for row in report.rows] == ["ignored: unknown UID"]
    assert store.replies(MIA) == []


def test_a_reply_from_someone_not_invited_is_ignored(store: Store) -> None:
    report = record_replies(store, [found(store, MIA, GIORGI)])

    assert [row.outcome for row in report.rows] == ["ignored: not invited"]
    assert store.replies(MIA) == []
    assert set(partstats(store, MIA).values()) == {"NEEDS-ACTION"}


def test_a_reply_to_an_older_sequence_is_stored_but_does_not_change_the_answer(
    store: Store,
) -> None:
    store.decide_round(TRAINING, ROUND, approve=True, actor="test")
    moved = store.upsert_meeting(
        MeetingPlan(
            id=MIA,
            training=TRAINING,
            round=ROUND,
            organisation="mia",
            format="online",
            start=START + dt.timedelta(hours=2),
            end=START + dt.timedelta(hours=3),
            location="https://meet.example.org/mia",
            facilitators=("lela",),
        )
    )
    assert moved.sequence == 1

    report = record_replies(
        store,
        [
            found(store, MIA, NINO, "ACCEPTED", sequence=1),
            found(store, MIA, NINO, "DECLINED", sequence=0),
        ],
    )

    assert [row.outcome for row in report.rows] == [
        "recorded ACCEPTED",
        "outdated (SEQUENCE 0 < 1)",
    ]
    assert partstats(store, MIA)[NINO] == "ACCEPTED"
    assert [(r.partstat, r.sequence) for r in store.replies(MIA)] == [
        ("ACCEPTED", 1),
        ("DECLINED", 0),
    ]


def test_processing_the_inbox_twice_records_each_reply_once(store: Store, inbox: Path) -> None:
    (inbox / "nino.eml").write_bytes(unquoted_email(reply(uid(store, MIA), NINO)))
    (inbox / "giorgi.ics").write_bytes(reply(uid(store, GROUP), GIORGI, "TENTATIVE"))

    first = record_replies(store, read_inbox(inbox).found)
    second = record_replies(store, read_inbox(inbox).found)

    assert [row.outcome for row in first.rows] == ["recorded TENTATIVE", "recorded ACCEPTED"]
    assert [row.outcome for row in second.rows] == ["already recorded", "already recorded"]
    assert len(store.replies(MIA)) == len(store.replies(GROUP)) == 1


def test_the_report_reads_as_a_markdown_table(store: Store) -> None:
    report = record_replies(store, [found(store, MIA, GIORGI)])

    assert report.to_markdown() == (
        "| file | UID | attendee | outcome |\n"
        "| --- | --- | --- | --- |\n"
        f"| inbox/reply.ics | {uid(store, MIA)} | {GIORGI} | ignored: not invited |\n"
    )


@pytest.fixture
def workspace(write_workspace: Callable[..., Path]) -> Workspace:
    """The tiny workspace: the ministry (mia) and the coordinators' group."""
    return load_workspace(write_workspace())


def test_round_status_shows_who_accepted_declined_and_has_not_answered_per_organisation(
    store: Store, workspace: Workspace, inbox: Path
) -> None:
    (inbox / "nino.ics").write_bytes(reply(uid(store, MIA), NINO, "ACCEPTED"))
    (inbox / "levan.ics").write_bytes(reply(uid(store, MIA), LEVAN, "DECLINED"))
    (inbox / "lela.ics").write_bytes(reply(uid(store, MIA), LELA, "ACCEPTED"))
    (inbox / "tamar.ics").write_bytes(reply(uid(store, GROUP), TAMAR, "TENTATIVE"))
    record_replies(store, read_inbox(inbox).found)

    rows = round_status(workspace, store, TRAINING, ROUND)

    assert [
        (
            r.organisation,
            [a.email for a in r.accepted],
            [a.email for a in r.declined],
            [a.email for a in r.tentative],
            [a.email for a in r.no_answer],
        )
        for r in rows
    ] == [
        ("mia", [NINO], [LEVAN], [], []),
        ("coordinators", [], [], [TAMAR], [GIORGI]),
    ]
    assert status_markdown(rows) == (
        "| meeting | when | status | organisation | accepted | declined | tentative "
        "| delegated | no answer |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"| {MIA} | 2027-01-12 10:00 | proposed | Ministry of Internal Affairs "
        f"| ნინო ბერიძე ({NINO}) | Levan Kobakhidze ({LEVAN}) | — | — | — |\n"
        f"| {GROUP} | 2027-01-13 14:00 | proposed | Coordinators of victims and witnesses "
        f"| — | — | Tamar Abashidze ({TAMAR}) | — | გიორგი კაპანაძე ({GIORGI}) |\n"
    )


def test_a_cancelled_meeting_is_left_out_of_the_round_status(
    store: Store, workspace: Workspace
) -> None:
    store.set_meeting_status(GROUP, "cancelled", actor="test")

    assert [row.meeting_id for row in round_status(workspace, store, TRAINING, ROUND)] == [MIA]


def test_a_round_without_meetings_says_so(store: Store, workspace: Workspace) -> None:
    assert round_status(workspace, store, TRAINING, "round-2") == []
    assert status_markdown([]) == "No meeting of this round is going ahead.\n"
