"""Invitations end to end: a confirmed round sent through the ledger, once, to real transports."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest
import vobject

from consult.application import send as sending
from consult.application.references import round_ref
from consult.bootstrap import assemble
from consult.demo import prepare_demo
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.mail.transports.smtp import SmtpTransport
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import Workspace, load_workspace
from schemas import Training
from tests.conftest import LIVE_PLANNED_AT, LIVE_SHIFT, PLANNED_AT
from tests.mailserver import Mailbox, running, send_from
from tests.polls import recipients_of_a_send

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[3]


def confirmed_round(
    root: Path, slug: str, now: dt.datetime = PLANNED_AT
) -> tuple[Workspace, Settings]:
    """Plan and approve the first round of `slug` in the workspace at `root`, planning at `now`."""
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    round_id = workspace.training(slug).consultation.rounds[0].id
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, slug, round_id, {}, [], now=now), "test")
        store.decide_round(slug, round_id, approve=True, actor="test")
    return workspace, settings


def parse(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def calendar_of(message: email.message.EmailMessage) -> bytes:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def test_a_confirmed_round_writes_one_invitation_per_attendee_once(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace(), "winter-2027")
    outbox = FileOutbox(settings.outbox)
    with open_store(settings.store_url) as store:
        first = send_round(
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            outbox,
        )
        again = send_round(
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            outbox,
        )
        [meeting] = store.meetings("winter-2027", "round-1")
    assert sorted((d.recipient, d.outcome) for d in first) == [
        ("lela@example.org", "sent"),
        ("nino@mia.example.gov.ge", "sent"),
    ]
    assert {d.outcome for d in again} == {"already sent"}
    files = sorted(settings.outbox.glob("*.eml"))
    assert len(files) == 2
    message = parse(files[0].read_bytes())
    calendar = icalendar.Calendar.from_ical(calendar_of(message))
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert event.decoded("DTSTART").astimezone(dt.UTC) == meeting.start
    parsed = vobject.readOne(calendar_of(message).decode("utf-8"))
    assert parsed.vevent.dtstart.value.astimezone(dt.UTC) == meeting.start


def test_a_refused_recipient_is_marked_rejected_and_the_others_are_sent(
    write_workspace: Callable[..., Path],
) -> None:
    workspace, settings = confirmed_round(write_workspace(), "winter-2027")
    mailbox = Mailbox(refusals={"nino@mia.example.gov.ge": "550 5.1.1 no such user"})
    with running(mailbox) as port, open_store(settings.store_url) as store:
        smtp = SmtpTransport("127.0.0.1", port, security="none")
        report = send_round(
            round_mailing(workspace, "winter-2027", "round-1", choose_sender(settings), NOW),
            store,
            smtp,
        )
        rejected = store.messages(status="rejected")
    outcomes = {d.recipient: d.outcome for d in report}
    assert outcomes == {"lela@example.org": "sent", "nino@mia.example.gov.ge": "rejected"}
    assert [d.recipients for d in mailbox.deliveries] == [["lela@example.org"]]
    [message] = rejected
    assert "550" in (message.error or "")


@pytest.mark.slow
def test_a_round_killed_at_any_point_delivers_everything_on_the_next_run(tmp_path: Path) -> None:
    # `consult send` sends at the real now: the demo and its plan are dated for today.
    root = prepare_demo(tmp_path / "demo", dt.date(2026, 11, 28) + LIVE_SHIFT)
    slug = "intercultural-communication-2027"
    confirmed_round(root, slug, LIVE_PLANNED_AT)
    send_from(root)
    with open_store(Settings(workspace=root).store_url) as store:
        expected = recipients_of_a_send(store, slug)
    mailbox = Mailbox(delay=0.05)
    kills = 0
    with running(mailbox) as port:
        environment = {
            **os.environ,
            "CONSULT_TRANSPORT": "smtp",
            "CONSULT_SMTP_HOST": "127.0.0.1",
            "CONSULT_SMTP_PORT": str(port),
            "CONSULT_SMTP_SECURITY": "none",
            "CONSULT_CLAIM_LEASE_SECONDS": "1",
        }
        for kill_after in (3, 17, 33):
            run = subprocess.Popen(
                [sys.executable, "-m", "consult", "send", slug, "--workspace", str(root), "--yes"],
                env=environment,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 120
            while len(mailbox.deliveries) < kill_after and run.poll() is None:
                assert time.monotonic() < deadline, "the round never got that far"
                time.sleep(0.005)
            run.send_signal(signal.SIGKILL)
            run.wait()
            kills += 1
            time.sleep(1.2)  # the lease of the message in flight runs out
        final = subprocess.run(
            [sys.executable, "-m", "consult", "send", slug, "--workspace", str(root), "--yes"],
            env=environment,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert final.returncode == 0, final.stderr
    # a message is one (meeting, recipient, sequence, kind): its Message-ID says which
    received = Counter(parse(d.content)["Message-ID"] for d in mailbox.deliveries)
    assert len(received) == expected
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= kills


pytestmark = pytest.mark.filterwarnings(
    # vobject 0.9.9 still calls datetime.utcnow() when it reads DTSTAMP
    "ignore:datetime.datetime.utcnow:DeprecationWarning"
)


def test_a_send_with_its_preview_and_dry_run_looks_the_training_up_twice_at_most(
    write_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, settings = confirmed_round(write_workspace(), "winter-2027")
    lookups: list[str] = []
    look_up = Workspace.training

    def counted(self: Workspace, slug: str) -> Training:
        lookups.append(slug)
        return look_up(self, slug)

    monkeypatch.setattr(Workspace, "training", counted)
    with open_store(settings.store_url) as store:
        built = assemble(settings, workspace, store, clock=lambda: NOW)
        round_ = round_ref(workspace, "winter-2027")
        shown = sending.first_send_preview(built, round_)
        assert shown is not None
        sending.dry_run(built, round_)
        sending.confirm_first_send(built, shown, "test")
        report = sending.send_round(built, round_)
    assert {d.outcome for d in report} == {"sent"}
    # Once for the round's reference, once for its sender: never once per step or message.
    assert len(lookups) <= 2
