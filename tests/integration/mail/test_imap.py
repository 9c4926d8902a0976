"""Replies from a real IMAP mailbox (Dovecot on loopback): read-only, each answer once."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

from consult.demo import shift_dates
from consult.errors import ImapError
from consult.mail.imap import read_imap
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.replies import record_replies
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.changes import find_meeting
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from schemas.state import Meeting
from tests.conftest import PLANNED_AT, TINY_TRAINING
from tests.imapserver import Dovecot

pytestmark = pytest.mark.slow

SLUG, ROUND = "winter-2027", "round-1"


@pytest.fixture
def invited(write_workspace: Callable[..., Path]) -> tuple[Settings, Meeting]:
    training = shift_dates(TINY_TRAINING, dt.date.today() + dt.timedelta(weeks=3))
    root = write_workspace(trainings={SLUG: training})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=PLANNED_AT), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
        send_round(
            round_mailing(workspace, SLUG, ROUND, choose_sender(settings), dt.datetime.now(dt.UTC)),
            store,
            FileOutbox(settings.outbox),
        )
        return settings, find_meeting(store, SLUG, ROUND, "mia")


def reply_email(meeting: Meeting, partstat: str, subject: str, attendee: str = "ATTENDEE") -> bytes:
    """An Outlook-style answer: the REPLY inline, method unquoted."""
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{meeting.uid}\r\nSEQUENCE:{meeting.sequence}\r\n"
        "DTSTAMP:20261201T090000Z\r\n"
        f"{attendee};PARTSTAT={partstat};CN=Nino:mailto:nino@mia.example.gov.ge\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = Address("ნინო ბერიძე", addr_spec="nino@mia.example.gov.ge")
    message["To"] = "consultations@example.org"
    message["Subject"] = subject
    message.set_content("Accepted.")
    message.add_alternative(calendar.encode(), "text", "calendar", params={"method": "REPLY"})
    return message.as_bytes()


def test_answers_in_the_mailbox_are_recorded_once_and_left_unread(
    dovecot: Dovecot, invited: tuple[Settings, Meeting]
) -> None:
    settings, meeting = invited
    folder = f"Replies{meeting.uid[:6]}"
    dovecot.append(reply_email(meeting, "ACCEPTED", "Accepted: consultation"), folder)
    dovecot.append(b"From: a@example.org\r\nSubject: lunch?\r\n\r\nNo calendar here.\r\n", folder)
    no_attendee = meeting.model_copy(update={"uid": "broken"})
    broken = reply_email(no_attendee, "ACCEPTED", "x", attendee="X-NOBODY")
    dovecot.append(broken, folder)

    read = read_imap(dovecot.mailbox(folder=folder))
    assert [(f.line.email, f.line.partstat) for f in read.found] == [
        ("nino@mia.example.gov.ge", "ACCEPTED")
    ]
    assert read.found[0].source.startswith(f"imap://coordinator@127.0.0.1:{dovecot.port}/{folder}")
    assert read.found[0].source.endswith(";UID=1")
    # The message without a calendar is skipped; the broken one is named by its URL.
    [problem] = read.problems
    assert ";UID=3: event 'broken': a REPLY has exactly one ATTENDEE, this has 0" in problem
    # Read-only: nothing marked \Seen.
    assert all(b"\\Seen" not in flags for flags in dovecot.flags(folder))

    with open_store(settings.store_url) as store:
        first = record_replies(store, read.found)
        again = record_replies(store, read_imap(dovecot.mailbox(folder=folder)).found)
        [nino] = [a for a in store.attendees(meeting.id) if a.email == "nino@mia.example.gov.ge"]
    assert [r.outcome for r in first.rows] == ["recorded ACCEPTED"]
    assert [r.outcome for r in again.rows] == ["already recorded"]
    assert nino.partstat == "ACCEPTED"


def test_consult_replies_reads_the_mailbox_named_by_the_settings(
    dovecot: Dovecot, invited: tuple[Settings, Meeting]
) -> None:
    settings, meeting = invited
    folder = f"Cli{meeting.uid[:6]}"
    dovecot.append(reply_email(meeting, "DECLINED", "Declined: consultation"), folder)
    environment = {
        "CONSULT_IMAP_HOST": "127.0.0.1",
        "CONSULT_IMAP_PORT": str(dovecot.port),
        "CONSULT_IMAP_SECURITY": "none",
        "CONSULT_IMAP_USERNAME": "coordinator",
        "CONSULT_IMAP_PASSWORD": "secret",
        "CONSULT_IMAP_FOLDER": folder,
    }
    result = subprocess.run(
        [sys.executable, "-m", "consult", "replies", SLUG, "--workspace", str(settings.workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **environment},
    )
    assert result.returncode == 0, result.stderr
    assert "recorded DECLINED" in result.stdout
    assert "secret" not in result.stdout + result.stderr


def test_a_wrong_password_or_a_closed_port_is_one_clear_error(dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match=r"the login of 'coordinator' was refused"):
        read_imap(dovecot.mailbox(password="wrong"))
    with pytest.raises(ImapError, match=r"no folder 'Nowhere'"):
        read_imap(dovecot.mailbox(folder="Nowhere"))
    closed = Dovecot(port=1)
    with pytest.raises(ImapError, match=r"IMAP 127\.0\.0\.1:1: cannot connect"):
        read_imap(closed.mailbox(), timeout=2)
