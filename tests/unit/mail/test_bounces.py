"""Bounces and automatic replies told apart from answers, in the shapes mail servers send."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import Message
from pathlib import Path

import pytest

from consult.mail.bounces import AutoReply, Bounce, read_notice

BOUNCES = Path(__file__).parents[2] / "data" / "bounces"
NINO_INVITATION = "<5883cbe1be06707d675aedd390491131.invitation.0@consult.local>"
GIORGI_INVITATION = "<524c69cacf0353985a8b76e6e19dac66.invitation.0@consult.local>"
SUBJECT = "მოწვევა: კონსულტაცია, 15 დეკემბერი"


def parsed(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.default)


def fixture(name: str) -> Message:
    return parsed((BOUNCES / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "recipient", "status", "diagnostic", "message_ids"),
    [
        (
            "office365.eml",  # RFC 3464, the original's headers as text/rfc822-headers
            "nino@mia.example.gov.ge",
            "5.1.10",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
            (NINO_INVITATION,),
        ),
        (
            "gmail.eml",  # RFC 3464, the whole original as message/rfc822
            "giorgi@mia.example.gov.ge",
            "5.1.1",
            "550-5.1.1 The email account that you tried to reach does not exist. Please try "
            "double-checking the recipient's email address for typos or unnecessary spaces. "
            "a640c23a62f3a-a9a0f2c1b3esor1234567866b.11 - gsmtp",
            (GIORGI_INVITATION,),
        ),
        (
            "postfix.eml",  # RFC 3464, folded fields, the original as message/rfc822
            "nino@mia.example.gov.ge",
            "5.1.1",
            "550 5.1.1 <nino@mia.example.gov.ge>: Recipient address rejected: User unknown in "
            "virtual mailbox table",
            (NINO_INVITATION,),
        ),
        (
            "exim-quoted.eml",  # no report: the original quoted in the text
            "giorgi@mia.example.gov.ge",
            "5.1.1",
            "550 5.1.1 <giorgi@mia.example.gov.ge>: Recipient address rejected: User unknown",
            (GIORGI_INVITATION,),
        ),
        (
            "qmail-no-message-id.eml",  # no report, and the quoted original has no Message-ID
            "nino@mia.example.gov.ge",
            "5.2.1",
            "550 5.2.1 Mailbox disabled for this recipient",
            (),
        ),
    ],
)
def test_a_bounce_gives_its_address_status_diagnostic_and_the_message_it_returns(
    name: str, recipient: str, status: str, diagnostic: str, message_ids: tuple[str, ...]
) -> None:
    assert read_notice(fixture(name)) == Bounce(
        recipient=recipient,
        action="failed",
        status=status,
        diagnostic=diagnostic,
        message_ids=message_ids,
        subject=SUBJECT,
    )


def test_a_delayed_delivery_is_a_report_that_has_not_failed() -> None:
    notice = read_notice(fixture("office365-delayed.eml"))

    assert isinstance(notice, Bounce)
    assert (notice.action, notice.status, notice.failed) == ("delayed", "4.4.7", False)
    assert notice.reason() == "4.4.7 (400 4.4.7 Message delayed)"


@pytest.mark.parametrize(
    ("name", "sender", "why", "message_ids"),
    [
        (
            "auto-submitted.eml",
            "nino@mia.example.gov.ge",
            "Auto-Submitted: auto-replied (vacation)",
            (NINO_INVITATION,),
        ),
        (
            "exchange-automatic-reply.eml",
            "giorgi@mia.example.gov.ge",
            "X-Auto-Response-Suppress: All",
            (GIORGI_INVITATION,),
        ),
        ("x-autoreply.eml", "lela@example.org", "X-Autoreply: yes", ()),
    ],
)
def test_an_automatic_reply_is_told_by_its_headers(
    name: str, sender: str, why: str, message_ids: tuple[str, ...]
) -> None:
    notice = read_notice(fixture(name))

    assert isinstance(notice, AutoReply)
    assert (notice.sender, notice.why, notice.message_ids) == (sender, why, message_ids)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ("Subject: Automatic reply: Invitation", "the subject 'Automatic reply'"),
        ("Subject: Out of Office: Invitation", "the subject 'Out of Office'"),
        ("Subject: Автоответ: Приглашение", "the subject 'Автоответ'"),
        ("Subject: ავტომატური პასუხი: მოწვევა", "the subject 'ავტომატური პასუხი'"),
        ("Precedence: auto_reply\nSubject: Re: Invitation", "Precedence: auto_reply"),
        ("Auto-Submitted: auto-generated\nSubject: x", "Auto-Submitted: auto-generated"),
    ],
)
def test_an_automatic_reply_is_told_by_its_subject_or_precedence(headers: str, why: str) -> None:
    data = f"From: Nino <nino@mia.example.gov.ge>\n{headers}\n\nI am away.\n".encode()

    notice = read_notice(parsed(data))

    assert isinstance(notice, AutoReply)
    assert notice.why == why


def test_an_automatic_answer_that_carries_a_calendar_reply_is_left_to_the_calendar_reader() -> None:
    data = (
        b"From: room@mia.example.gov.ge\nAuto-Submitted: auto-replied\n"
        b"Subject: Accepted: Consultation\n"
        b"Content-Type: text/calendar; method=REPLY\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n"
    )

    assert read_notice(parsed(data)) is None


@pytest.mark.parametrize(
    "data",
    [
        b"From: Nino <nino@mia.example.gov.ge>\nSubject: Re: Invitation\n\nYes, 550 people.\n",
        b"From: Nino <nino@mia.example.gov.ge>\nAuto-Submitted: no\nSubject: Re: x\n\nFine.\n",
        b"From: Nino <nino@mia.example.gov.ge>\nSubject: Undeliverable: my own words\n\nHi\n",
    ],
)
def test_a_persons_mail_is_neither_a_bounce_nor_an_automatic_reply(data: bytes) -> None:
    assert read_notice(parsed(data)) is None


@pytest.mark.parametrize(
    "header",
    ['From: <"', "From: '.<utf-8", "To: a@[ ", "From: :?b?, .,@]]?=", "To: ?=@[<\\)\xe2\x82"],
)
def test_an_address_header_the_email_package_cannot_parse_does_not_stop_a_bounce(
    header: str,
) -> None:
    data = f"{header}\nSubject: Undeliverable: x\n\n<nino@mia.example.gov.ge>:\n550 5.1.1 no\n"

    notice = read_notice(parsed(data.encode("utf-8", "surrogateescape")))

    assert isinstance(notice, Bounce)
    assert (notice.recipient, notice.status) == ("nino@mia.example.gov.ge", "5.1.1")


def test_a_delivery_status_sent_base64_is_still_read() -> None:
    fields = (
        b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; nino@mia.example.gov.ge\r\nAction: failed\r\n"
        b"Status: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 Rejected by policy\r\n"
    )
    data = (
        b"From: MAILER-DAEMON@mx.example.net\r\nSubject: Returned mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(fields)
        + b"--b--\r\n"
    )

    notice = read_notice(parsed(data))

    assert isinstance(notice, Bounce)
    assert (notice.recipient, notice.status, notice.diagnostic) == (
        "nino@mia.example.gov.ge",
        "5.7.1",
        "550 5.7.1 Rejected by policy",
    )
