"""Bounces and automatic replies in inbox/: matched to the message sent, and nudges stopped.

The fixtures in tests/data/bounces/ return the real Message-IDs of the invitations this
round sends (they are derived from the ledger key), in the shapes Office 365, Gmail,
Postfix, Exim and qmail send.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.demo import shift_dates
from consult.mail.invitations import send_round
from consult.mail.mailing import mailing, round_mailing
from consult.mail.notices import record_inbox
from consult.mail.reminders import send_due
from consult.mail.replies import read_inbox, round_status, status_markdown
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.store.history import history_lines
from consult.workspace.loading import Workspace, load_workspace
from tests.conftest import PLANNED_AT, TINY_TRAINING

BOUNCES = Path(__file__).parents[2] / "data" / "bounces"
SLUG, ROUND = "winter-2027", "round-1"
NINO, GIORGI = "nino@mia.example.gov.ge", "giorgi@mia.example.gov.ge"
MIA, COORDS = f"{SLUG}/{ROUND}/mia", f"{SLUG}/{ROUND}/coords"
NOW = dt.datetime.now(dt.UTC)
NUDGE_DUE = NOW + dt.timedelta(days=4)

TWO_MEETINGS = TINY_TRAINING.replace(
    "briefing:\n",
    """\
        - id: coords
          organisation: coordinators
          format: group_discussion
          duration_minutes: 90
          facilitators: [lela]
briefing:
""",
)

BOUNCED = {
    # fixture: (address, status, what the server said, how it was matched)
    "office365.eml": (NINO, "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound"),
    "gmail.eml": (GIORGI, "5.1.1", "550-5.1.1 The email account that you tried to reach"),
    "postfix.eml": (NINO, "5.1.1", "550 5.1.1 <nino@mia.example.gov.ge>: Recipient address"),
    "exim-quoted.eml": (GIORGI, "5.1.1", "550 5.1.1 <giorgi@mia.example.gov.ge>: Recipient"),
    "qmail-no-message-id.eml": (NINO, "5.2.1", "550 5.2.1 Mailbox disabled"),
}
MEETING_OF = {NINO: MIA, GIORGI: COORDS}

Round = tuple[Workspace, Settings, Store]


@pytest.fixture
def invited(write_workspace: Callable[..., Path]) -> Iterator[Round]:
    """Two meetings three weeks on, planned, approved and invited now through the file outbox."""
    training = shift_dates(TWO_MEETINGS, dt.date.today() + dt.timedelta(weeks=3))
    root = write_workspace(trainings={SLUG: training})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=PLANNED_AT), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
        send_round(
            round_mailing(workspace, SLUG, ROUND, choose_sender(settings), NOW),
            store,
            FileOutbox(settings.outbox),
        )
        yield workspace, settings, store


def deliver_to_inbox(settings: Settings, *names: str) -> None:
    settings.inbox.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(BOUNCES / name, settings.inbox / name)


def nudges(round_: Round) -> list[tuple[str, str, str]]:
    workspace, settings, store = round_
    report = send_due(
        mailing(workspace, SLUG, choose_sender(settings), NUDGE_DUE),
        store,
        FileOutbox(settings.outbox),
    )
    return sorted((d.recipient, d.outcome, d.detail) for d in report if d.kind == "nudge")


@pytest.mark.parametrize("name", sorted(BOUNCED))
def test_a_bounce_marks_its_message_bounced_and_stops_the_nudges_to_its_address(
    invited: Round, name: str
) -> None:
    _, settings, store = invited
    address, status, words = BOUNCED[name]
    deliver_to_inbox(settings, name)

    read = read_inbox(settings.inbox)
    report = record_inbox(store, read)

    assert read.problems == []
    [row] = report.rows
    assert (row.source, row.email) == (f"inbox/{name}", address)
    assert row.outcome.startswith(f"bounced {status} ({words}")
    [bounce] = store.inbound("bounce")
    [invitation] = [m for m in store.messages(MEETING_OF[address]) if m.recipient == address]
    assert (bounce.message, bounce.address, bounce.status) == (invitation.id, address, status)
    other = GIORGI if address == NINO else NINO
    [(nudged, outcome, _), (stopped, stop, why)] = sorted(
        nudges(invited), key=lambda n: n[0] != other
    )
    assert (nudged, outcome) == (other, "sent")
    assert (stopped, stop) == (address, "bounced")
    assert why.startswith(f"not sent: the address bounced {status} (")


def test_a_bounce_is_recorded_once_however_often_the_inbox_is_read(invited: Round) -> None:
    _, settings, store = invited
    deliver_to_inbox(settings, "postfix.eml")
    record_inbox(store, read_inbox(settings.inbox))

    again = record_inbox(store, read_inbox(settings.inbox))

    assert [row.outcome for row in again.rows] == ["already recorded"]
    assert len(store.inbound("bounce")) == 1


def test_a_delayed_delivery_is_recorded_but_is_no_bounce(invited: Round) -> None:
    _, settings, store = invited
    deliver_to_inbox(settings, "office365-delayed.eml")

    report = record_inbox(store, read_inbox(settings.inbox))

    assert [row.outcome for row in report.rows] == [
        "delayed 4.4.7 (400 4.4.7 Message delayed): not a bounce, the server still tries"
    ]
    assert store.bounced() == {}
    assert [(n[0], n[1]) for n in nudges(invited)] == [(GIORGI, "sent"), (NINO, "sent")]


@pytest.mark.parametrize(
    ("name", "address", "why"),
    [
        ("auto-submitted.eml", NINO, "Auto-Submitted: auto-replied (vacation)"),
        ("exchange-automatic-reply.eml", GIORGI, "X-Auto-Response-Suppress: All"),
        ("x-autoreply.eml", "lela@example.org", "X-Autoreply: yes"),
    ],
)
def test_an_automatic_reply_is_recorded_as_such_and_is_no_answer(
    invited: Round, name: str, address: str, why: str
) -> None:
    workspace, settings, store = invited
    deliver_to_inbox(settings, name)
    outbox_before = sorted(settings.outbox.iterdir())

    report = record_inbox(store, read_inbox(settings.inbox))

    assert [(r.email, r.outcome) for r in report.rows] == [
        (address, f"automatic reply ({why}): no answer; not answered")
    ]
    [recorded] = store.inbound("auto_reply")
    assert recorded.address == address
    assert sorted(settings.outbox.iterdir()) == outbox_before  # nothing answers it
    assert store.bounced() == {}
    status = round_status(workspace, store, SLUG, ROUND)
    assert {a.email for row in status for a in row.no_answer} == {NINO, GIORGI}


def test_the_round_status_shows_a_bounced_address_apart_from_the_silent(invited: Round) -> None:
    workspace, settings, store = invited
    deliver_to_inbox(settings, "office365.eml")
    record_inbox(store, read_inbox(settings.inbox))

    rows = {r.organisation: r for r in round_status(workspace, store, SLUG, ROUND)}

    assert ([a.email for a in rows["mia"].bounced], rows["mia"].no_answer) == ([NINO], ())
    assert [a.email for a in rows["coordinators"].no_answer] == [GIORGI]
    table = status_markdown(list(rows.values()))
    assert "| delegated | no answer | bounced |" in table
    assert f"| — | ნინო ბერიძე ({NINO}) |" in table


def test_the_delivery_table_flags_the_bounced_address(invited: Round) -> None:
    workspace, settings, store = invited
    deliver_to_inbox(settings, "gmail.eml")
    record_inbox(store, read_inbox(settings.inbox))

    report = send_round(
        round_mailing(workspace, SLUG, ROUND, choose_sender(settings), NOW),
        store,
        FileOutbox(settings.outbox),
    )

    flagged = {d.recipient: d.detail for d in report}
    assert flagged[GIORGI].startswith("the address bounced 5.1.1 (550-5.1.1 The email account")
    assert flagged[NINO] == ""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_consult_validate_warns_about_a_contact_whose_address_bounced(invited: Round) -> None:
    _, settings, store = invited
    deliver_to_inbox(settings, "postfix.eml")
    record_inbox(store, read_inbox(settings.inbox))

    result = run("validate", str(settings.workspace))

    assert result.returncode == 0, result.stderr
    assert (
        "warning: stakeholders.yaml, line 10, organisations[0].contacts[0].email: "
        f"{NINO} bounced 5.1.1 (550 5.1.1 <{NINO}>: Recipient address rejected: User unknown "
        "in virtual mailbox table) on "
    ) in " ".join(result.stderr.split())
    assert GIORGI not in result.stderr


@pytest.mark.slow
def test_consult_validate_of_a_workspace_never_sent_from_creates_no_store(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()

    result = run("validate", str(root))

    assert result.returncode == 0, result.stderr
    assert "bounced" not in result.stderr
    assert not (root / ".consult").exists()


@pytest.mark.slow
def test_consult_replies_names_the_bounce_and_the_bounced_contact(invited: Round) -> None:
    _, settings, _ = invited
    deliver_to_inbox(settings, "exim-quoted.eml")

    result = run("replies", SLUG, "--workspace", str(settings.workspace))

    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "| inbox/exim-quoted.eml |" in text
    assert f"| {GIORGI} | bounced 5.1.1 (550 5.1.1 <{GIORGI}>" in text
    assert "| bounced |" in text


def test_consult_log_lists_the_bounce_and_the_automatic_reply(invited: Round) -> None:
    _, settings, store = invited
    deliver_to_inbox(settings, "office365.eml", "exchange-automatic-reply.eml")
    record_inbox(store, read_inbox(settings.inbox))

    lines = history_lines(store.history(SLUG), ZoneInfo("Asia/Tbilisi"), SLUG)
    mail = [line for line in lines if " mail." in line]

    assert len(mail) == 2, lines
    [bounce] = [line for line in mail if "mail.bounce" in line]
    assert "round-1/mia" in bounce
    assert f"address: {NINO}" in bounce
    assert "status: 5.1.10" in bounce
    assert "550 5.1.10 RESOLVER.ADR.RecipientNotFound" in bounce
    assert "source: inbox/office365.eml" in bounce
    [auto] = [line for line in mail if "mail.auto_reply" in line]
    assert f"address: {GIORGI}" in auto
    assert "X-Auto-Response-Suppress: All" in auto
    assert sorted(e.action for e in store.history(SLUG, kinds=["mail"])) == [
        "mail.auto_reply",
        "mail.bounce",
    ]


def test_the_bounces_automatic_replies_and_unreadable_mail_of_a_run_take_one_write(
    invited: Round,
) -> None:
    """Issue 29: each bounce, automatic reply and unreadable mail was its own transaction."""
    _, settings, store = invited
    deliver_to_inbox(settings, *BOUNCED, "auto-submitted.eml", "x-autoreply.eml")
    settings.inbox.joinpath("garbled.eml").write_bytes(b"\xff\xfe not a mail at all")
    begins: list[str] = []

    def count(_c: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.strip().upper() == "BEGIN IMMEDIATE":
            begins.append(statement)

    engine = store._engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        report = record_inbox(store, read_inbox(settings.inbox))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    bounced = [r for r in report.rows if r.outcome.startswith("bounced")]
    assert len(bounced) == len(BOUNCED)
    assert len([r for r in report.rows if r.outcome.startswith("automatic reply")]) == 2
    assert len(store.inbound()) >= len(BOUNCED) + 2
    assert len(begins) <= 2, begins  # the answers' transaction (none here) and the notices'
    again = record_inbox(store, read_inbox(settings.inbox))
    assert {r.outcome for r in again.rows if r.source.endswith(tuple(BOUNCED))} == {
        "already recorded"
    }
