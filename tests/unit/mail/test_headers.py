"""Subjects and display names, read back by strict parsers, are exactly what was rendered."""

# ruff: noqa: RUF001

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.demo import prepare_demo
from consult.errors import HeaderError
from consult.mail import invitations
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.mime import RawMessage, as_email, message_bytes, prepare_message
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT

SENDER = ("IOM Georgia consultations", "consultations@iom.example.ge")
RECIPIENT = ("Иван Петров", "ivan@example.ru")
RUSSIAN_SUBJECT = (
    "Приглашение на консультацию по подготовке тренинга «Межкультурная коммуникация для "
    "координаторов по работе со свидетелями и потерпевшими от преступлений на почве "
    "ненависти», 12 января 2027 г."
)
HOSTILE_NAME = (
    'Boss, <boss@evil.example>; x: "Chief" of the Department \\ of Witness and Victim '
    "Coordination, Ministry of Internal Affairs"
)
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([^?\s]*)\?([^?\s]*)\?=")
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_RUN_OF_SPACE = re.compile(r"[ \t]\s*")


def prepared(**changes: Any) -> RawMessage:
    """Return a message without a calendar, with test defaults, some of them changed."""
    arguments: dict[str, Any] = {
        "sender": SENDER,
        "recipient": RECIPIENT,
        "subject": "Consultation",
        "text": "Hello",
        "html": "<p>Hello</p>",
        "calendar": None,
        "method": None,
        "date": dt.datetime(2027, 3, 1, 13, 0, tzinfo=dt.UTC),
    }
    return prepare_message(**(arguments | changes))


def read(data: bytes) -> EmailMessage:
    """Return the message as policy.default reads it, with no defect in the headers we write."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message.defects == []
    for header in ("Subject", "From", "To"):
        assert message[header].defects == (), (header, message[header].defects)
    return message


def header_lines(data: bytes, header: str) -> list[str]:
    """Return the header's physical lines, as written."""
    block = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    lines = block.split("\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{header}:"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (" ", "\t"):
        end += 1
    return lines[start:end]


def rfc2047(value: str) -> str:
    """Return an unstructured header value decoded as RFC 2047 says, strict about what it allows.

    Whitespace between two encoded words is dropped (6.2) and kept everywhere else; every
    encoded word is a whole token of at most 75 characters, UTF-8 in base64 (what consult
    writes), whose text decodes without error to whole characters.
    """
    pieces: list[str] = []
    space = ""
    after_word = False
    for token in re.split(r"([ \t]+)", value.replace("\r\n", "")):
        if not token:
            continue
        if token.isspace():
            space = token
            continue
        word = _ENCODED_WORD.fullmatch(token)
        if word is None:
            pieces += [space, token]
        else:
            assert len(token) <= 75, token
            pieces += ["" if after_word else space, decode_word(token)]
        space, after_word = "", word is not None
    return "".join(pieces) + space


def decode_word(token: str) -> str:
    """Return one encoded word's text: UTF-8, base64, decoded strictly."""
    word = _ENCODED_WORD.fullmatch(token)
    assert word is not None, token
    charset, encoding, text = word.groups()
    assert (charset.lower(), encoding.lower()) == ("utf-8", "b"), token
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise AssertionError(f"{token}: {error}") from None


def display_name_as_written(lines: list[str]) -> str:
    """Return the display-name part of a one-mailbox address header, unfolded."""
    value = "".join(lines).split(":", 1)[1].strip()
    return value.rsplit(" <", 1)[0] if value.endswith(">") else ""


def assert_lines_fit(data: bytes) -> None:
    """Every header line is at most 78 characters, unless it holds one unfoldable display name.

    RFC 5322 allows 998; a quoted-string, or a display name's one encoded word, is never
    folded inside, so only such a piece alone may make its line longer than 78.
    """
    for line in data.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n"):
        assert len(line) <= 998, line
        if len(line) > 78:
            piece = re.sub(r"^(From|To):", "", line).strip()
            assert _ENCODED_WORD.fullmatch(piece) or _QUOTED_STRING.fullmatch(piece), line


def assert_decodes_exactly(
    data: bytes, subject: str, names: dict[str, tuple[str, str]]
) -> EmailMessage:
    """Assert the Subject and each address header read back exactly; return the message."""
    message = read(data)
    assert str(message["Subject"]) == subject
    value = "".join(header_lines(data, "Subject")).split(":", 1)[1]
    assert rfc2047(value.lstrip(" \t")) == subject
    for header, (name, address) in names.items():
        written = display_name_as_written(header_lines(data, header))
        expected = name
        if _ENCODED_WORD.fullmatch(written):
            assert decode_word(written) == name
            # Python's address parser reads whitespace inside an encoded word as FWS, a run
            # of it as one space; no way of writing a non-ASCII name avoids that.
            expected = _RUN_OF_SPACE.sub(" ", name)
        [mailbox] = message[header].addresses
        assert (mailbox.display_name, mailbox.addr_spec) == (expected, address), header
    assert_lines_fit(data)
    return message


def test_a_russian_subject_keeps_every_space_where_it_is_folded():
    data = prepared(subject=RUSSIAN_SUBJECT).data

    assert len(header_lines(data, "Subject")) > 1
    assert_decodes_exactly(data, RUSSIAN_SUBJECT, {"From": SENDER, "To": RECIPIENT})
    assert "со свидетелями и потерпевшими от" in str(read(data)["Subject"])


def test_a_long_ascii_name_with_specials_stays_one_quoted_display_name():
    hostile = (HOSTILE_NAME, "ivan@example.ru")
    data = prepared(sender=(HOSTILE_NAME, SENDER[1]), recipient=hostile).data

    assert len(header_lines(data, "To")) > 1
    assert_decodes_exactly(data, "Consultation", {"From": (HOSTILE_NAME, SENDER[1]), "To": hostile})
    assert "boss@evil.example" not in [a.addr_spec for a in read(data)["To"].addresses]


def test_a_hostile_name_survives_being_parsed_and_written_again():
    # The briefing pack adds its PDF to `as_email` of a prepared message, then writes it.
    hostile = (HOSTILE_NAME, "ivan@example.ru")
    rewritten = message_bytes(as_email(prepared(recipient=hostile, subject=RUSSIAN_SUBJECT)))

    assert_decodes_exactly(rewritten, RUSSIAN_SUBJECT, {"From": SENDER, "To": hostile})


@pytest.mark.parametrize(
    "name",
    ["ვახტანგ მამულაშვილი", "ქეთევან კვარაცხელია", "გიორგი მაისურაძე", "Андрей Мельников"],
)
def test_a_demo_name_longer_than_one_short_encoded_word_gains_no_space(name):
    data = prepared(recipient=(name, "x@example.ge")).data

    assert_decodes_exactly(data, "Consultation", {"From": SENDER, "To": (name, "x@example.ge")})


def test_ascii_text_that_looks_like_an_encoded_word_is_not_decoded():
    name = subject = "Re: =?utf-8?b?SGk=?= and =?x?q?y?="
    data = prepared(recipient=(name, "ivan@example.ru"), subject=subject).data

    assert_decodes_exactly(data, subject, {"From": SENDER, "To": (name, "ivan@example.ru")})


@pytest.mark.parametrize(
    "name",
    [
        " Nino",
        "Nino ",
        "Nino  Beridze",
        "J. R. Smith",
        "",
        "x",
        "Ministry of Internal Affairs of Georgia Human Rights Protection and Investigation",
        '"' * 400,
    ],
)
def test_spaces_dots_and_empty_names_decode_back_exactly(name):
    data = prepared(recipient=(name, "ivan@example.ru"), subject=f" {name}  x ").data

    assert_decodes_exactly(data, f" {name}  x ", {"To": (name, "ivan@example.ru")})


def test_a_display_name_too_long_for_a_header_line_is_refused_naming_the_field():
    name = "ნ" * 300

    with pytest.raises(HeaderError) as caught:
        prepared(recipient=(name, "ivan@example.ru"))

    assert str(caught.value) == (
        f"recipient name: {name!r} is 900 bytes in UTF-8, more than the 700 a header line holds"
    )


SLUG = "intercultural-communication-2027"


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[str, Any], RawMessage]]:
    """Every message the invitations prepare, with the values it was prepared from."""
    calls: list[tuple[dict[str, Any], RawMessage]] = []

    def recording(**arguments: Any) -> RawMessage:
        message = prepare_message(**arguments)
        calls.append((arguments, message))
        return message

    monkeypatch.setattr(invitations, "prepare_message", recording)
    return calls


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ka", "ru"])
def test_every_demo_message_decodes_to_its_subject_and_names_exactly(
    tmp_path: Path, recorded: list[tuple[dict[str, Any], RawMessage]], language: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    root = prepare_demo(tmp_path / "demo", now.date())
    workspace = load_workspace(root)
    settings_ = Settings(workspace=root)
    outbox = FileOutbox(settings_.outbox)
    with open_store(settings_.store_url) as store:
        for slug, training in workspace.trainings.items():
            for round_ in training.consultation.rounds:
                save_plan(
                    store, plan_round(workspace, slug, round_.id, {}, [], now=PLANNED_AT), "test"
                )
                store.decide_round(slug, round_.id, approve=True, actor="test")
                meetings = store.meetings(slug, round_.id)
                for meeting in meetings:
                    attendees = store.attendees(meeting.id)
                    store.set_attendees(
                        meeting.id, [a.model_copy(update={"language": language}) for a in attendees]
                    )
                send_round(
                    round_mailing(workspace, slug, round_.id, choose_sender(settings_), now),
                    store,
                    outbox,
                )
                for meeting in meetings:
                    store.set_meeting_status(meeting.id, "cancelled", "test")
                send_round(
                    round_mailing(workspace, slug, round_.id, choose_sender(settings_), now),
                    store,
                    outbox,
                )
    written = {
        read(path.read_bytes())["Message-ID"]: path.read_bytes()
        for path in outbox.folder.glob("*.eml")
    }

    assert len(recorded) == len(written) > 2
    for arguments, message in recorded:
        assert written[message.message_id] == message.data
        assert_decodes_exactly(
            message.data,
            arguments["subject"],
            {"From": arguments["sender"], "To": arguments["recipient"]},
        )
    if language == "ru":
        assert any("со свидетелями и потерпевшими" in a["subject"] for a, _ in recorded)


MIXED = (
    "AaZzéßøŁ" + "ИванПетровсвидетелямиЁё" + "ნინობერიძეჯავახიშვილი" + "0123456789"
    " ,.;:<>()[]@\"'\\!?=_-–—«»„“”…/&%#*+|~`^{}$" + "🎉"
)
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(MIXED),
        st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    ),
    max_size=150,
)
"""Mixed scripts, punctuation, quotes and spaces, long: no control character or line break."""


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(subject=TEXT)
def test_any_subject_decodes_back_exactly(subject: str) -> None:
    assert_decodes_exactly(prepared(subject=subject).data, subject, {})


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(name=TEXT, other=TEXT)
def test_any_display_name_decodes_back_exactly(name: str, other: str) -> None:
    names = {"From": (name, SENDER[1]), "To": (other, RECIPIENT[1])}
    data = prepared(sender=names["From"], recipient=names["To"]).data

    assert_decodes_exactly(data, "Consultation", names)
