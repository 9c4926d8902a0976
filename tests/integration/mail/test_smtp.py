"""The SMTP transport against a real aiosmtpd server on loopback."""

from __future__ import annotations

import email.policy
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from consult.errors import (
    PermanentSendError,
    SendError,
    SmtpServerError,
    TransientSendError,
    UnsendableMessageError,
)
from consult.mail.mime import as_email, message_bytes, prepare_message
from consult.mail.transports.smtp import SmtpTransport
from tests.mailserver import Mailbox, free_port, running

PASSWORD = "correct horse battery staple"


@dataclass
class FakeClock:
    """A monotonic clock that moves only when slept on."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def accept_nino(server, session, envelope, mechanism, auth_data):
    """Return success for Nino's password, failure for anything else."""
    valid = isinstance(auth_data, LoginPassword) and auth_data == (b"nino", PASSWORD.encode())
    return AuthResult(success=valid, handled=False)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """Yield a recording SMTP server on 127.0.0.1 and its port."""
    handler = Mailbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=accept_nino,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def invitation(to: str = "ivan@example.ru", subject: str = "შეხვედრა") -> EmailMessage:
    """Return an invitation from the organiser to `to`."""
    return as_email(
        prepare_message(
            sender=("ნინო ბერიძე", "nino@consult.example"),
            recipient=("Иван Петров", to),
            subject=subject,
            text="გამარჯობა",
            html="<p>გამარჯობა</p>",
            calendar=b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
            method="REQUEST",
            date=datetime(2027, 3, 1, 9, tzinfo=UTC),
        )
    )


def transport(port: int, **options: Any) -> SmtpTransport:
    """Return a plain-SMTP transport to the test server."""
    return SmtpTransport("127.0.0.1", port, security="none", timeout=5, **options)


def test_a_batch_of_five_messages_goes_over_one_connection(mailbox):
    handler, port = mailbox

    with transport(port) as smtp:
        for n in range(5):
            smtp.send(invitation(subject=f"შეხვედრა {n}"))

    assert len(handler.deliveries) == 5
    assert handler.connections == 1
    assert handler.quits == 1


def test_the_envelope_is_the_from_and_to_addresses_and_the_bytes_arrive_unchanged(mailbox):
    handler, port = mailbox
    message = invitation()

    with transport(port) as smtp:
        smtp.send(message)

    (delivery,) = handler.deliveries
    parsed = BytesParser(policy=email.policy.default).parsebytes(delivery.content)
    assert (delivery.sender, delivery.recipients) == ("nino@consult.example", ["ivan@example.ru"])
    assert delivery.content == message_bytes(message)
    assert parsed["Subject"] == "შეხვედრა"


def test_a_prepared_message_goes_to_its_envelope_with_its_bytes_unchanged(mailbox):
    handler, port = mailbox
    prepared = prepare_message(
        sender=("ნინო ბერიძე", "nino@consult.example"),
        recipient=("Иван Петров", "ivan@example.ru"),
        subject="შეხვედრა",
        text="გამარჯობა",
        html="<p>გამარჯობა</p>",
        calendar=None,
        method=None,
        date=datetime(2027, 3, 1, 9, tzinfo=UTC),
    )

    with transport(port) as smtp:
        smtp.send(prepared)

    (delivery,) = handler.deliveries
    assert (delivery.sender, delivery.recipients) == ("nino@consult.example", ["ivan@example.ru"])
    assert delivery.content == prepared.data


def test_a_send_outside_a_batch_opens_and_closes_its_own_connection(mailbox):
    handler, port = mailbox
    smtp = transport(port)

    smtp.send(invitation())
    smtp.send(invitation())

    assert handler.connections == 2
    assert handler.quits == 2


def test_a_451_for_the_recipient_is_transient_with_the_servers_reply(mailbox):
    handler, port = mailbox
    handler.refusals["later@example.ru"] = "451 4.3.0 try later"

    with transport(port) as smtp, pytest.raises(TransientSendError) as caught:
        smtp.send(invitation("later@example.ru"))

    assert (caught.value.code, caught.value.reply) == (451, "4.3.0 try later")
    assert caught.value.recipient == "later@example.ru"
    assert str(caught.value) == f"127.0.0.1:{port} refused later@example.ru: 451 4.3.0 try later"


def test_a_550_is_permanent_and_the_next_message_in_the_batch_still_goes(mailbox):
    handler, port = mailbox
    handler.refusals["nobody@example.ru"] = "550 5.1.1 no such user"

    with transport(port) as smtp:
        with pytest.raises(PermanentSendError) as caught:
            smtp.send(invitation("nobody@example.ru"))
        smtp.send(invitation("ivan@example.ru"))

    assert (caught.value.code, caught.value.reply) == (550, "5.1.1 no such user")
    assert [d.recipients for d in handler.deliveries] == [["ivan@example.ru"]]
    assert handler.connections == 1


def test_a_connection_dropped_between_messages_is_reopened_and_the_message_sent(mailbox):
    handler, port = mailbox

    with transport(port) as smtp:
        smtp.send(invitation(subject="first"))
        handler.hang_ups = 1
        smtp.send(invitation(subject="second"))
        smtp.send(invitation(subject="third"))

    assert len(handler.deliveries) == 3
    assert handler.connections == 2


def test_a_connection_dropped_twice_for_one_message_is_transient(mailbox):
    handler, port = mailbox
    handler.hang_ups = 2

    with transport(port) as smtp:
        with pytest.raises(TransientSendError, match="dropped the connection twice") as caught:
            smtp.send(invitation())
        smtp.send(invitation())

    assert caught.value.code is None
    assert len(handler.deliveries) == 1


def test_a_server_that_is_not_there_is_a_transient_server_error_naming_what_to_check():
    port = free_port()
    with pytest.raises(SmtpServerError, match=f"^127.0.0.1:{port} could not be reached") as caught:
        transport(port).send(invitation())

    assert caught.value.transient
    assert caught.value.recipient is None
    assert str(caught.value).endswith(
        "; check CONSULT_SMTP_HOST, CONSULT_SMTP_PORT and CONSULT_SMTP_SECURITY "
        "(or the flow's SMTP block), and that the server is up"
    )


@dataclass
class RefusingSender(Mailbox):
    """A server that refuses every MAIL FROM with `answer`."""

    answer: str = "553 5.7.1 sender not allowed"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return self.answer


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("553 5.7.1 sender not allowed", SmtpServerError),
        ("552 5.3.4 message too big", PermanentSendError),
        ("451 4.3.0 try later", TransientSendError),
    ],
)
def test_a_5xx_to_the_sender_is_a_server_error_but_too_big_or_4xx_is_about_the_message(
    answer, error
):
    with running(RefusingSender(answer=answer)) as port, pytest.raises(SendError) as caught:
        transport(port).send(invitation())

    assert type(caught.value) is error
    assert "refused" in str(caught.value)


def test_three_messages_at_two_a_minute_wait_one_minute_once(mailbox):
    handler, port = mailbox
    clock = FakeClock()

    with transport(port, per_minute=2, clock=clock, sleep=clock.sleep) as smtp:
        for _ in range(3):
            smtp.send(invitation())

    assert clock.sleeps == [pytest.approx(60.0)]
    assert len(handler.deliveries) == 3


def test_the_rate_limit_counts_any_sixty_seconds_not_calendar_minutes(mailbox):
    _, port = mailbox
    clock = FakeClock()
    smtp = transport(port, per_minute=2, clock=clock, sleep=clock.sleep)

    with smtp:
        for gap in (0, 30, 10, 0):
            clock.now += gap
            smtp.send(invitation())

    # Sends at 0 and 30; the third waits until 60, the fourth until 90.
    assert clock.sleeps == [pytest.approx(20.0), pytest.approx(30.0)]


def test_a_login_with_the_right_password_sends(mailbox):
    handler, port = mailbox

    with transport(port, username="nino", password=PASSWORD) as smtp:
        smtp.send(invitation())

    assert len(handler.deliveries) == 1


def test_a_rejected_login_is_a_server_error_and_never_shows_the_password(mailbox, caplog):
    _, port = mailbox
    caplog.set_level(logging.DEBUG, logger="consult")
    smtp = transport(port, username="nino", password="wrong " + PASSWORD)

    with pytest.raises(SmtpServerError) as caught:
        smtp.send(invitation())

    assert caught.value.code == 535
    assert not caught.value.transient
    assert "CONSULT_SMTP_PASSWORD" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(smtp)
    assert PASSWORD not in caplog.text
    assert "nino" in caplog.text


def test_a_message_to_two_recipients_is_refused_before_connecting():
    message = invitation()
    message.replace_header("To", "a@example.ru, b@example.ru")

    with pytest.raises(UnsendableMessageError, match=r"^To: .* is not exactly one address"):
        transport(free_port()).send(message)
