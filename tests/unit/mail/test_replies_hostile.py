"""Hostile reply files in the inbox: each is rejected with its file and reason, cheaply.

The small cases are files under tests/data/hostile/replies/; the big ones are made here.
"""

from __future__ import annotations

import base64
import shutil
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

import pytest

from consult.errors import InvalidCalendar
from consult.mail import calendar as calendar_module
from consult.mail import letters as letters_module
from consult.mail.calendar import MAX_REPLY_BYTES, MAX_REPLY_EVENTS, parse_reply
from consult.mail.replies import (
    MAX_MESSAGE_BYTES,
    MAX_MIME_DEPTH,
    MAX_MIME_PARTS,
    has_calendar,
    message_lines,
    read_inbox,
    record_replies,
)
from consult.store import Store
from tests.memory import peak_bytes
from tests.unit.mail import test_replies
from tests.unit.mail.test_replies import MIA, NINO, quoted_email, reply, uid

store, inbox = test_replies.store, test_replies.inbox

HOSTILE = Path(__file__).parents[2] / "data" / "hostile" / "replies"

REJECTED = {
    "sequence-twice.ics": "event 'hostile-1': SEQUENCE appears more than once",
    "uid-twice.ics": "a VEVENT of the REPLY has more than one UID",
    "method-twice.ics": "not an iTIP REPLY: METHOD appears more than once (REPLY, REQUEST)",
    "cut-short.ics": "not an iCalendar object: ",
    "empty.ics": "not an iCalendar object: it is empty",
    "empty.eml": "the message is empty",
    "utf-16.ics": "not an iCalendar object: ",
    "garbage.ics": "not an iCalendar object: ",
    "garbage.eml": "no iTIP REPLY in the message",
    "vevent-in-vevent.ics": "a VEVENT of the REPLY has no UID",
}


def events(count: int, email: str = NINO) -> bytes:
    """Return a REPLY answering `count` meetings at once."""
    event = (
        "BEGIN:VEVENT\r\nUID:meeting-{n}\r\nSEQUENCE:0\r\nDTSTAMP:20261201T093000Z\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{email}\r\nEND:VEVENT\r\n"
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REPLY\r\n"
        + "".join(event.format(n=n) for n in range(count))
        + "END:VCALENDAR\r\n"
    ).encode()


def nested_multipart(depth: int) -> bytes:
    """Return a message whose multipart/mixed parts nest `depth` deep around a REPLY."""
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n)
        for n in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % n for n in reversed(range(depth)))
    calendar = b"Content-Type: text/calendar; method=REPLY\r\n\r\n" + events(1)
    return b"From: nino@mia.example.gov.ge\r\nMIME-Version: 1.0\r\n" + opening + calendar + closing


def nested_messages(depth: int) -> bytes:
    """Return a message that forwards a message that forwards one, `depth` deep."""
    return b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" * depth + b"Subject: x\r\n"


@dataclass
class Work:
    """What reading the inbox did: the calendars and emails it parsed, the files it read whole."""

    calendars: int = 0
    messages: int = 0
    files_read: list[str] = field(default_factory=list)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """Count the calendars and emails parsed and the files read while the test runs."""
    done = Work()
    parse_calendar = calendar_module._parse
    read_bytes = Path.read_bytes

    def parse_counted(data: bytes) -> object:
        done.calendars += 1
        return parse_calendar(data)

    class CountingParser(BytesParser):
        def parsebytes(self, text: bytes, headersonly: bool = False) -> Message:
            done.messages += 1
            return super().parsebytes(text, headersonly)

    def read_counted(path: Path) -> bytes:
        done.files_read.append(path.name)
        return read_bytes(path)

    monkeypatch.setattr(calendar_module, "_parse", parse_counted)
    monkeypatch.setattr(letters_module, "BytesParser", CountingParser)  # the one parser of emails
    monkeypatch.setattr(Path, "read_bytes", read_counted)
    return done


def problems(folder: Path) -> list[str]:
    read = read_inbox(folder)
    assert read.found == []
    return read.problems


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_a_hostile_file_is_rejected_with_its_name_and_reason(inbox: Path, name: str) -> None:
    shutil.copy(HOSTILE / name, inbox / name)

    (problem,) = problems(inbox)

    assert problem.startswith(f"inbox/{name}: {REJECTED[name]}")


def test_every_hostile_file_has_its_expected_reason() -> None:
    assert sorted(path.name for path in HOSTILE.iterdir()) == sorted(REJECTED)


def test_sequence_given_twice_is_an_invalid_calendar_not_a_type_error() -> None:
    with pytest.raises(ValueError, match="SEQUENCE appears more than once"):
        parse_reply((HOSTILE / "sequence-twice.ics").read_bytes())


def test_a_reply_with_20000_events_is_refused_before_it_is_read(inbox: Path, work: Work) -> None:
    data = events(20_000)
    (inbox / "many.ics").write_bytes(data)

    found = problems(inbox)

    assert (work.files_read, work.calendars) == ([], 0)
    assert found == [
        f"inbox/many.ics: the file is {len(data):,} bytes, "
        f"more than the {MAX_REPLY_BYTES:,} a reply may be"
    ]


def test_a_message_carrying_20000_events_is_refused_before_its_calendar_is_parsed(
    inbox: Path, work: Work
) -> None:
    (inbox / "many.eml").write_bytes(quoted_email(events(20_000)))

    (problem,) = problems(inbox)

    # The email is parsed; the calendar in it is measured and refused unparsed.
    assert work.messages > 0
    assert work.calendars == 0
    assert problem.startswith("inbox/many.eml: the calendar is ")


def test_a_reply_with_one_event_too_many_is_refused(inbox: Path) -> None:
    (inbox / "many.ics").write_bytes(events(MAX_REPLY_EVENTS + 1))

    assert problems(inbox) == [
        f"inbox/many.ics: the REPLY holds {MAX_REPLY_EVENTS + 1} VEVENTs, "
        f"more than the {MAX_REPLY_EVENTS} one may hold"
    ]


def test_a_reply_with_as_many_events_as_allowed_is_read(inbox: Path) -> None:
    (inbox / "many.ics").write_bytes(events(MAX_REPLY_EVENTS))

    read = read_inbox(inbox)

    assert (len(read.found), read.problems) == (MAX_REPLY_EVENTS, [])


def test_a_message_nested_5000_deep_is_refused_before_it_is_parsed(inbox: Path, work: Work) -> None:
    (inbox / "deep.eml").write_bytes(nested_multipart(5_000))

    found = problems(inbox)

    assert work.messages == 0
    assert found == [f"inbox/deep.eml: the message nests its parts more than {MAX_MIME_DEPTH} deep"]


def test_messages_forwarded_5000_deep_are_refused(inbox: Path) -> None:
    (inbox / "deep.eml").write_bytes(nested_messages(5_000))

    assert problems(inbox) == [
        f"inbox/deep.eml: the message nests its parts more than {MAX_MIME_DEPTH} deep"
    ]


def test_a_message_nested_as_deep_as_allowed_is_read(inbox: Path) -> None:
    (inbox / "deep.eml").write_bytes(nested_multipart(MAX_MIME_DEPTH))

    read = read_inbox(inbox)

    assert (len(read.found), read.problems) == (1, [])


def test_a_message_larger_than_the_limit_is_refused_unread(inbox: Path) -> None:
    calendar = base64.encodebytes(events(1)) + b"A" * MAX_MESSAGE_BYTES
    (inbox / "huge.eml").write_bytes(calendar)

    assert problems(inbox) == [
        f"inbox/huge.eml: the file is {len(calendar):,} bytes, "
        f"more than the {MAX_MESSAGE_BYTES:,} a reply may be"
    ]


def test_a_message_larger_than_the_limit_is_refused_before_it_is_parsed() -> None:
    data = quoted_email(events(1)) + b"A" * MAX_MESSAGE_BYTES

    with pytest.raises(InvalidCalendar) as raised:
        has_calendar(data)

    assert str(raised.value) == (
        f"the message is {len(data):,} bytes, more than the {MAX_MESSAGE_BYTES:,} a reply may be"
    )


def test_a_calendar_part_larger_than_a_reply_is_refused_before_it_is_parsed() -> None:
    data = events(1).replace(b"SEQUENCE:0", b"X-FILLER:" + b"x" * MAX_REPLY_BYTES)

    with pytest.raises(InvalidCalendar, match=r"^the calendar is [\d,]+ bytes, more than"):
        message_lines(quoted_email(data))


def test_a_summary_in_latin_1_does_not_stop_the_answer_being_read(inbox: Path) -> None:
    calendar = events(1).replace(b"SEQUENCE:0", b"SEQUENCE:0\r\nSUMMARY:R\xe9union")
    (inbox / "latin-1.ics").write_bytes(calendar)

    read = read_inbox(inbox)

    assert ([f.line.uid for f in read.found], read.problems) == (["meeting-0"], [])


def test_the_good_replies_among_hostile_files_are_recorded(store: Store, inbox: Path) -> None:
    for name in REJECTED:
        shutil.copy(HOSTILE / name, inbox / name)
    (inbox / "deep.eml").write_bytes(nested_multipart(5_000))
    (inbox / "many.ics").write_bytes(events(20_000))
    (inbox / "nino.ics").write_bytes(reply(uid(store, MIA), NINO))
    (inbox / "nino.eml").write_bytes(quoted_email(reply(uid(store, MIA), NINO, "DECLINED")))

    read = read_inbox(inbox)
    report = record_replies(store, read.found)

    assert [(row.source, row.outcome) for row in report.rows] == [
        ("inbox/nino.eml", "recorded DECLINED"),
        ("inbox/nino.ics", "recorded ACCEPTED"),
    ]
    assert sorted(problem.partition(":")[0] for problem in read.problems) == sorted(
        f"inbox/{name}" for name in [*REJECTED, "deep.eml", "many.ics"]
    )


def flat_parts(count: int) -> bytes:
    """Return a message of `count` one-line parts side by side, 13 bytes a part."""
    head = b'From: nino@example.org\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    return head + b"--b\r\n\r\nx\r\n" * count + b"--b--\r\n"


def test_a_message_of_40000_flat_parts_is_refused_before_it_is_parsed(inbox: Path) -> None:
    # On the code before the bound, `consult replies` spent 84 s on such a file, every run.
    (inbox / "flat.eml").write_bytes(flat_parts(40_000))
    found: list[list[str]] = []

    peak = peak_bytes(lambda: found.append(problems(inbox)))

    refused = f"the message has more than {MAX_MIME_PARTS:,} MIME parts; a reply has a few"
    assert found == [[f"inbox/flat.eml: {refused}"]]
    assert peak < 10_000_000


def padded(count: int) -> bytes:
    """Return a message of `count` parts: one-line texts, then a REPLY."""
    head = b'From: nino@example.org\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    calendar = b"--b\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n" + events(1)
    return head + b"--b\r\n\r\nx\r\n" * (count - 1) + calendar + b"\r\n--b--\r\n"


def test_a_message_of_as_many_parts_as_allowed_is_read_and_one_more_is_refused(
    inbox: Path,
) -> None:
    (inbox / "as-many.eml").write_bytes(padded(MAX_MIME_PARTS))
    (inbox / "one-more.eml").write_bytes(padded(MAX_MIME_PARTS + 1))

    read = read_inbox(inbox)

    assert [found.source for found in read.found] == ["inbox/as-many.eml"]
    assert read.problems == [
        f"inbox/one-more.eml: the message has more than {MAX_MIME_PARTS:,} MIME parts; "
        "a reply has a few"
    ]


@pytest.mark.parametrize(
    "part",
    [
        b"--b\nContent-Type: text/plain\n\nx\n",
        b"--b\n boundary=b\n\n",  # a boundary line the header scan would unfold (the fuzz's)
    ],
)
def test_a_message_of_20000_parts_is_refused_before_it_is_parsed(
    inbox: Path, work: Work, part: bytes
) -> None:
    # 40,000 parts took the email parser 8 s of CPU (the fuzz, issue 27).
    data = b'Content-Type: multipart/mixed; boundary="b"\n\n' + part * 20_000 + b"--b--\n"
    (inbox / "parts.eml").write_bytes(data)

    found = problems(inbox)

    assert work.messages == 0
    refused = f"the message has more than {MAX_MIME_PARTS:,} MIME parts; a reply has a few"
    assert found == [f"inbox/parts.eml: {refused}"]
