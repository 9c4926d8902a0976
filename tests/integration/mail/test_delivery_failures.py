"""Failures that mean something, against a real aiosmtpd on loopback.

A recipient the server refuses (5xx) is rejected once and for all; a server that refuses
the login or cannot be reached stops the run with one error and marks nobody; a message
that cannot be built is failed on its own while the rest of the round goes on.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from consult.errors import HeaderError, SmtpServerError
from consult.mail.delivery import BACKOFF, Delivered, Outgoing, deliver, summary
from consult.mail.invitations import round_messages, send_round
from consult.mail.mailing import round_mailing
from consult.mail.mime import RawMessage, prepare_message
from consult.mail.sender import choose_sender
from consult.mail.transports import smtp as smtp_module
from consult.mail.transports.smtp import SmtpTransport
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import MeetingPlan, open_store
from consult.workspace.loading import Workspace, load_workspace
from tests.conftest import LIVE_PLANNED_AT, LIVE_TRAINING, PLANNED_AT
from tests.mailserver import SMTP_SENDER, Mailbox, free_port, running

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[3]
NINO = "nino@mia.example.gov.ge"
LELA = "lela@example.org"
PASSWORD = "correct horse battery staple"


def confirmed_round(root: Path, now: dt.datetime = PLANNED_AT) -> tuple[Workspace, Settings]:
    """Plan and approve round-1 of winter-2027 in the workspace at `root`, planning at `now`."""
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=now), "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
    return workspace, settings


def outcomes(report: list[Delivered]) -> dict[str, str]:
    return {d.recipient: d.outcome for d in report}


@dataclass
class Logins:
    """An aiosmtpd authenticator that counts every AUTH and accepts only Nino's password."""

    count: int = 0

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        self.count += 1
        valid = isinstance(data, LoginPassword) and data == (b"nino", PASSWORD.encode())
        return AuthResult(success=valid, handled=False)


def test_a_550_recipient_is_attempted_once_across_three_runs_while_the_others_are_sent(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace())
    mailbox = Mailbox(refusals={NINO: "550 5.1.1 no such user"})
    with running(mailbox) as port, open_store(settings.store_url) as store:
        smtp = SmtpTransport("127.0.0.1", port, security="none")
        send = partial(
            send_round,
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            smtp,
        )
        runs = [send(), send(), send()]
        [rejected] = store.messages(status="rejected")

    assert [outcomes(run) for run in runs] == [
        {LELA: "sent", NINO: "rejected"},
        {LELA: "already sent", NINO: "rejected"},
        {LELA: "already sent", NINO: "rejected"},
    ]
    assert mailbox.asked.count(NINO) == 1
    assert [r for d in mailbox.deliveries for r in d.recipients] == [LELA]
    assert (rejected.recipient, rejected.attempts) == (NINO, 1)
    assert "550 5.1.1 no such user" in (rejected.error or "")
    assert summary(runs[0]) == "1 rejected, 1 sent"
    assert "550 5.1.1 no such user" in next(d.detail for d in runs[2] if d.recipient == NINO)


def test_a_rejected_recipient_is_tried_again_only_when_the_coordinator_asks(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace())
    mailbox = Mailbox(refusals={NINO: "550 5.1.1 no such user"})
    with running(mailbox) as port, open_store(settings.store_url) as store:
        smtp = SmtpTransport("127.0.0.1", port, security="none")
        send = partial(
            send_round,
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            smtp,
        )
        send()
        mailbox.refusals.clear()  # the mailbox was created meanwhile
        send()
        asked = send(retry_rejected=True)
        [message] = [m for m in store.messages() if m.recipient == NINO]

    assert outcomes(asked) == {LELA: "already sent", NINO: "sent"}
    assert mailbox.asked.count(NINO) == 2
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_451_recipient_is_transient_and_tried_again_on_the_next_run(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace())
    mailbox = Mailbox(refusals={NINO: "451 4.3.0 try again later"})
    with running(mailbox) as port, open_store(settings.store_url) as store:
        smtp = SmtpTransport("127.0.0.1", port, security="none")
        send = partial(
            send_round,
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            smtp,
            backoff=(),
        )
        first = send()
        second = send()
        [failed] = store.messages(status="failed")

    assert outcomes(first)[NINO] == outcomes(second)[NINO] == "will retry"
    assert mailbox.asked.count(NINO) == 2
    assert (failed.recipient, failed.attempts) == (NINO, 2)


def test_a_refused_login_stops_the_run_at_once_after_one_auth_and_fails_no_recipient(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace())
    mailbox, logins = Mailbox(), Logins()
    with running(mailbox, logins) as port, open_store(settings.store_url) as store:

        def send(password: str) -> list[Delivered]:
            smtp = SmtpTransport(
                "127.0.0.1", port, security="none", username="nino", password=password
            )
            return send_round(
                round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
                store,
                smtp,
            )

        with pytest.raises(SmtpServerError) as caught:
            send("wrong " + PASSWORD)
        waiting = [(m.recipient, m.status) for m in store.messages()]
        logins_in_the_refused_run = logins.count
        again = send(PASSWORD)

    assert logins_in_the_refused_run == 1
    assert f"127.0.0.1:{port} refused the login of 'nino': 535" in str(caught.value)
    assert "CONSULT_SMTP_PASSWORD" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert {status for _, status in waiting} <= {"pending"}
    assert outcomes(again) == {LELA: "sent", NINO: "sent"}


@pytest.mark.slow
def test_consult_send_with_a_refused_login_exits_1_with_one_message_naming_the_server(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={"winter-2027": LIVE_TRAINING})
    confirmed_round(root, LIVE_PLANNED_AT)  # `consult send` sends at the real now
    logins = Logins()
    with running(Mailbox(), logins) as port:
        environment = {
            **os.environ,
            "CONSULT_TRANSPORT": "smtp",
            "CONSULT_SMTP_HOST": "127.0.0.1",
            "CONSULT_SMTP_PORT": str(port),
            "CONSULT_SMTP_SECURITY": "none",
            "CONSULT_SMTP_USERNAME": "nino",
            "CONSULT_SMTP_PASSWORD": "wrong " + PASSWORD,
            "CONSULT_SENDER_EMAIL": SMTP_SENDER,
        }
        result = subprocess.run(
            [sys.executable, "-m", "consult", "send", "winter-2027", "--yes", "--workspace", root],
            env=environment,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert result.returncode == 1
    assert logins.count == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"127.0.0.1:{port} refused the login of 'nino': 535")
    assert "check CONSULT_SMTP_USERNAME and CONSULT_SMTP_PASSWORD" in line
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_server_stops_the_run_after_one_messages_backoff_and_fails_nobody(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace())
    port = free_port()
    slept: list[float] = []
    with open_store(settings.store_url) as store:
        messages = round_messages(
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW), store
        )
        with pytest.raises(SmtpServerError) as caught:
            deliver(
                store,
                SmtpTransport("127.0.0.1", port, security="none"),
                messages,
                domain="consult.local",
                sleep=slept.append,
            )
        waiting = [(m.recipient, m.status) for m in store.messages()]
        mailbox = Mailbox()
        with running(mailbox) as up:
            again = send_round(
                round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
                store,
                SmtpTransport("127.0.0.1", up, security="none"),
            )

    # The default policy's waits, once for the whole run rather than once per message.
    assert slept == list(BACKOFF)
    assert f"127.0.0.1:{port} could not be reached" in str(caught.value)
    assert "CONSULT_SMTP_HOST" in str(caught.value)
    assert {status for _, status in waiting} <= {"pending"}
    assert outcomes(again) == {LELA: "sent", NINO: "sent"}


def test_an_unreachable_server_stops_a_real_run_after_one_messages_attempts(
    write_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, settings = confirmed_round(write_workspace())
    smtp = SmtpTransport("127.0.0.1", free_port(), security="none")
    attempts: list[int] = []

    class CountedSMTP(smtplib.SMTP):
        def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None):
            attempts.append(port)
            return super().connect(host, port, source_address)

    monkeypatch.setattr(smtp_module.smtplib, "SMTP", CountedSMTP)
    with open_store(settings.store_url) as store:
        with pytest.raises(SmtpServerError, match="could not be reached"):
            send_round(
                round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
                store,
                smtp,
                backoff=(0.1, 0.2, 0.4),
            )
        assert not store.messages(status="failed")
    # One message's first attempt and its three retries; the run stops before the next message.
    assert attempts == [smtp.port] * 4


def test_a_broken_template_for_one_language_fails_its_message_and_the_others_are_sent(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    broken = root / "templates" / "email" / "ka" / "invitation.txt.j2"
    broken.parent.mkdir(parents=True)
    broken.write_text("{{ recipient_name ", encoding="utf-8")
    workspace, settings = confirmed_round(root)
    mailbox = Mailbox()
    with running(mailbox) as port, open_store(settings.store_url) as store:
        smtp = SmtpTransport("127.0.0.1", port, security="none")
        send = partial(
            send_round,
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            smtp,
        )
        first, again = send(), send()
        [failed] = store.messages(status="failed")

    assert outcomes(first) == {LELA: "sent", NINO: "failed"}
    assert outcomes(again) == {LELA: "already sent", NINO: "failed"}
    [detail] = [d.detail for d in again if d.recipient == NINO]
    assert "ka/invitation.txt.j2" in detail
    assert failed.recipient == NINO
    assert "ka/invitation.txt.j2" in (failed.error or "")
    assert [r for d in mailbox.deliveries for r in d.recipients] == [LELA]
    assert summary(again) == "1 already sent, 1 failed"


def test_a_message_whose_header_cannot_be_built_is_failed_and_the_next_is_sent(
    tmp_path: Path,
) -> None:
    start = dt.datetime(2027, 1, 12, 6, 0, tzinfo=dt.UTC)
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")

    def message_to(recipient: str, message_id: str) -> RawMessage:
        return prepare_message(
            sender=("Consult", "consult@example.org"),
            recipient=("Nino", recipient),
            subject="Meeting",
            text="Hello",
            html="<p>Hello</p>",
            calendar=None,
            method=None,
            date=start,
            message_id=message_id,
        )

    def unbuildable(message_id: str) -> RawMessage:
        raise HeaderError("To", "Nino\r\nBcc: x@y.ge", "holds a line break")

    outgoing = [
        Outgoing("t/r/m", "a@x.ge", 0, "invitation", unbuildable),
        Outgoing("t/r/m", "b@x.ge", 0, "invitation", partial(message_to, "b@x.ge")),
    ]
    mailbox = Mailbox()
    with store, running(mailbox) as port:
        store.upsert_meeting(
            MeetingPlan(
                id="t/r/m",
                training="t",
                round="r",
                organisation="o",
                format="online",
                start=start,
                end=start + dt.timedelta(hours=1),
            )
        )
        smtp = SmtpTransport("127.0.0.1", port, security="none")
        first = deliver(store, smtp, outgoing, domain="x")
        again = deliver(store, smtp, outgoing, domain="x")

    assert [(d.recipient, d.outcome) for d in first] == [("a@x.ge", "failed"), ("b@x.ge", "sent")]
    assert [(d.recipient, d.outcome) for d in again] == [
        ("a@x.ge", "failed"),
        ("b@x.ge", "already sent"),
    ]
    assert "holds a line break" in first[0].detail
