"""Invitation messages, read back the way a mail client reads them."""

from __future__ import annotations

import email.policy
import re
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.errors import CalendarError, ConsultError, HeaderError
from consult.mail.mime import as_email, message_bytes, prepare_message

TBILISI = timezone(timedelta(hours=4))
SENDER = ("ნინო ბერიძე", "nino@consult.example")
RECIPIENT = ("Иван Петров", "ivan@example.ru")
SUBJECT = "კონსულტაცია: ტრენინგის დაგეგმვა"
CALENDAR = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//consult//tests//EN\r\n"
    "METHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:meeting-1@consult.example\r\n"
    "SEQUENCE:0\r\n"
    "DTSTAMP:20270301T090000Z\r\n"
    "DTSTART:20270315T090000Z\r\n"
    "SUMMARY:კონსულტაცია\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()


def arguments(**changes: Any) -> dict[str, Any]:
    """Return the arguments of an invitation with the test defaults, some of them changed."""
    defaults: dict[str, Any] = {
        "sender": SENDER,
        "recipient": RECIPIENT,
        "subject": SUBJECT,
        "text": "გამარჯობა, ნინო!\nშეხვედრა 15 მარტს.",
        "html": "<p>გამარჯობა, <b>ნინო</b>!</p>",
        "calendar": CALENDAR,
        "method": "REQUEST",
        "date": datetime(2027, 3, 1, 13, 0, tzinfo=TBILISI),
    }
    return defaults | changes


def build(**changes: Any) -> EmailMessage:
    """Return an invitation with the test defaults, some of them changed."""
    return as_email(prepare_message(**arguments(**changes)))


def read_back(message: EmailMessage) -> EmailMessage:
    """Return the message parsed from its bytes, as a receiving client sees it."""
    parsed = BytesParser(policy=email.policy.default).parsebytes(message_bytes(message))
    assert isinstance(parsed, EmailMessage)
    return parsed


def headers_of(message: EmailMessage) -> bytes:
    """Return the raw header block of the top-level message."""
    return message_bytes(message).split(b"\r\n\r\n", 1)[0]


def test_an_invitation_is_mixed_alternative_parts_and_an_ics_attachment():
    parsed = read_back(build())

    outer = [part.get_content_type() for part in parsed.iter_parts()]
    alternative = next(parsed.iter_parts())
    inner = [part.get_content_type() for part in alternative.iter_parts()]

    assert parsed.get_content_type() == "multipart/mixed"
    assert outer == ["multipart/alternative", "application/ics"]
    assert inner == ["text/plain", "text/html", "text/calendar"]


def test_text_parts_are_utf8_and_decode_to_what_was_given():
    text, html, _ = next(read_back(build()).iter_parts()).iter_parts()

    assert text.get_content_charset() == "utf-8"
    assert html.get_content_charset() == "utf-8"
    assert text.get_content().splitlines() == ["გამარჯობა, ნინო!", "შეხვედრა 15 მარტს."]
    assert html.get_content().splitlines() == ["<p>გამარჯობა, <b>ნინო</b>!</p>"]


def test_the_calendar_part_carries_the_method_and_the_exact_calendar_bytes():
    calendar = list(next(read_back(build()).iter_parts()).iter_parts())[2]

    assert calendar["Content-Type"].params == {"charset": "utf-8", "method": "REQUEST"}
    assert calendar.get_payload(decode=True) == CALENDAR


def test_the_ics_attachment_holds_the_same_bytes_as_the_calendar_part():
    alternative, attachment = read_back(build()).iter_parts()
    calendar = list(alternative.iter_parts())[2]

    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == calendar.get_payload(decode=True) == CALENDAR


def test_without_a_calendar_the_message_is_plain_and_html_alternatives_only():
    parsed = read_back(build(calendar=None, method=None))

    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_the_method_is_taken_from_the_calendar_when_not_given():
    calendar = list(next(read_back(build(method=None)).iter_parts()).iter_parts())[2]

    assert calendar["Content-Type"].params["method"] == "REQUEST"


def test_georgian_subject_and_names_decode_back_exactly():
    parsed = read_back(build())

    assert parsed["Subject"] == SUBJECT
    assert parsed["From"].addresses[0].display_name == "ნინო ბერიძე"
    assert parsed["From"].addresses[0].addr_spec == "nino@consult.example"
    assert parsed["To"].addresses[0].display_name == "Иван Петров"
    assert parsed["To"].addresses[0].addr_spec == "ivan@example.ru"


def test_non_ascii_headers_go_out_rfc2047_encoded_and_the_whole_message_is_7bit():
    raw = message_bytes(build())
    subject_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))

    assert raw.isascii()
    assert subject_line.startswith(b"Subject: =?utf-8?")


def test_a_long_georgian_name_is_folded_into_words_an_rfc2047_reader_joins_exactly():
    # One encoded word, however long: Python's address parser adds a space between
    # adjacent encoded words (gh-128110), where an RFC 2047 decoder joins them.
    name = "ნინო ბერიძე-ჯავახიშვილი საქართველოს განათლების სამინისტროდან"
    message = build(recipient=(name, "nino@example.ge"))
    raw_to = headers_of(message).split(b"\r\nTo: ", 1)[1]
    folded = raw_to.split(b"\r\nDate:", 1)[0].decode("ascii")

    assert b"\r\n " in raw_to
    assert str(make_header(decode_header(folded))) == f"{name} <nino@example.ge>"
    assert read_back(message)["To"].addresses[0].display_name == name


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(
                "ნინობერძეჯავახიშვლ" + "\u0418\u0432\u0430\u043d" + "Nino.,;:<>@()\"'\\-"
            ),
            min_size=1,
            max_size=30,
        ),
        min_size=1,
        max_size=6,
    ).map(" ".join)
)
def test_any_name_in_any_script_decodes_back_exactly_and_no_line_is_too_long(name):
    # A display name is never cut (tests/unit/mail/test_headers.py says why), so only a
    # line holding nothing but it may pass 78 characters, within RFC 5322's 998.
    message = build(recipient=(name, "nino@example.ge"))
    headers = headers_of(message).decode("ascii")
    folded = headers.split("\r\nTo:", 1)[1].split("\r\nDate:", 1)[0]

    for line in headers.split("\r\n"):
        piece = line.removeprefix("To:").strip()
        unfoldable = re.fullmatch(r'=\?utf-8\?b\?[A-Za-z0-9+/=]+\?=|"(?:[^"\\]|\\.)*"', piece)
        assert len(line) <= 78 or (len(line) <= 998 and unfoldable), line
    if not name.isascii():
        assert str(make_header(decode_header(folded))) == f"{name} <nino@example.ge>"
    assert read_back(message)["To"].addresses[0].display_name == name


@pytest.mark.parametrize("name", ["Петров, Иван", "Beridze, Nino", 'Nino "N" Beridze'])
def test_a_name_with_a_comma_or_quotes_stays_one_address(name):
    parsed = read_back(build(recipient=(name, "ivan@example.ru")))

    assert [a.display_name for a in parsed["To"].addresses] == [name]


def test_date_and_message_id_are_set_and_ids_differ_between_builds():
    first, second = read_back(build()), read_back(build())

    assert first["Date"] == "Mon, 01 Mar 2027 13:00:00 +0400"
    assert first["Message-ID"].endswith("@consult.local>")
    assert first["Message-ID"] != second["Message-ID"]


def test_a_given_message_id_is_kept():
    parsed = read_back(build(message_id="<invite-7@consult.example>"))

    assert parsed["Message-ID"] == "<invite-7@consult.example>"


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"subject": "Hi\r\nBcc: all@example.com"}, "subject", "Hi\r\nBcc: all@example.com"),
        ({"sender": ("Nino\nBcc: x@y", "nino@consult.example")}, "sender name", "Nino\nBcc: x@y"),
        ({"recipient": ("Ivan", "ivan@example.ru\r\n")}, "recipient email", "ivan@example.ru\r\n"),
        ({"method": "REQUEST\r\nX: y"}, "method", "REQUEST\r\nX: y"),
        ({"message_id": "<a@b>\nBcc: x@y"}, "message_id", "<a@b>\nBcc: x@y"),
    ],
)
def test_a_line_break_in_a_header_value_is_refused_naming_the_field(changes, field, value):
    with pytest.raises(HeaderError) as caught:
        build(**changes)

    assert str(caught.value) == (
        f"{field}: {value!r} contains a line break, which no mail header may hold"
    )
    assert isinstance(caught.value, ConsultError)
    assert isinstance(caught.value, ValueError)


def test_a_unicode_line_separator_is_refused_like_cr_and_lf():
    with pytest.raises(HeaderError, match=r"^subject: 'a\\u2028b' contains a line break"):
        build(subject="a\u2028b")


def test_a_method_that_differs_from_the_calendar_is_refused():
    with pytest.raises(CalendarError) as caught:
        build(method="CANCEL")

    assert str(caught.value) == "method: 'CANCEL' differs from the calendar's METHOD:REQUEST"
    assert isinstance(caught.value, ValueError)


def test_the_method_matches_the_calendar_whatever_its_case():
    calendar = list(next(read_back(build(method="request")).iter_parts()).iter_parts())[2]

    assert calendar["Content-Type"].params["method"] == "REQUEST"


def test_a_calendar_without_a_method_is_refused():
    calendar = CALENDAR.replace(b"METHOD:REQUEST\r\n", b"")

    with pytest.raises(CalendarError, match=r"^calendar: needs exactly one METHOD, found none$"):
        build(calendar=calendar)


def test_a_folded_method_line_is_unfolded_before_it_is_compared():
    calendar = CALENDAR.replace(b"METHOD:REQUEST", b"METHOD:REQ\r\n UEST")

    assert build(calendar=calendar, method="REQUEST")["To"] is not None


def test_a_method_without_a_calendar_is_refused():
    with pytest.raises(CalendarError, match=r"^method: 'REQUEST' given without a calendar$"):
        build(calendar=None, method="REQUEST")


def test_a_naive_date_is_refused():
    with pytest.raises(HeaderError, match=r"^date: .* has no time zone"):
        build(date=datetime(2027, 3, 1, 13, 0))


def test_a_non_ascii_email_is_refused_before_it_reaches_smtp():
    with pytest.raises(HeaderError, match=r"^recipient email: 'иван@пример\.рф' is not ASCII"):
        build(recipient=("Иван", "иван@пример.рф"))


def test_the_date_may_be_in_any_zone():
    assert read_back(build(date=datetime(2027, 3, 1, 9, tzinfo=UTC)))["Date"].endswith("+0000")


def test_a_prepared_message_carries_its_envelope_and_the_parts_of_the_built_one():
    given = arguments(message_id="<invite-7@consult.example>")
    prepared = prepare_message(**given)
    parsed = BytesParser(policy=email.policy.default).parsebytes(prepared.data)
    built = as_email(prepare_message(**given))

    assert (prepared.sender, prepared.recipient, prepared.message_id) == (
        "nino@consult.example",
        "ivan@example.ru",
        "<invite-7@consult.example>",
    )
    assert message_bytes(prepared) == prepared.data
    assert prepared.data.isascii()
    assert [(p.get_content_type(), p.get_payload(decode=True)) for p in parsed.walk()] == [
        (p.get_content_type(), p.get_payload(decode=True)) for p in built.walk()
    ]
    assert [parsed[h] for h in ("Subject", "From", "To", "Date", "Message-ID")] == [
        built[h] for h in ("Subject", "From", "To", "Date", "Message-ID")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Dear Ivan,\nthe meeting is on Monday.\n",
        "A line longer than a mail line may be: " + "word " * 30 + "\n= at the start, trail \n",
        ".a dot first\nFrom the start\n--=_ not a boundary\n",
    ],
)
def test_english_text_goes_7bit_or_quoted_printable_and_decodes_back_exactly(text):
    text_part = next(next(read_back(build(text=text)).iter_parts()).iter_parts())

    assert text_part["Content-Transfer-Encoding"] in ("7bit", "quoted-printable")
    assert text_part.get_content() == text.replace("\n", "\r\n")  # canonical line ends
    assert all(len(line) <= 78 for line in message_bytes(build(text=text)).split(b"\r\n"))
