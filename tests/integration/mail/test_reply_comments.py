"""What an attendee says with an answer ("On mission that week, sorry") is kept and shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.coordination.exports import build_table
from consult.demo import shift_dates
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.notices import record_inbox
from consult.mail.replies import read_inbox
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.store.history import history_lines
from consult.workspace.loading import Workspace, load_workspace
from schemas.state import Meeting
from tests.conftest import PLANNED_AT, TINY_TRAINING

SLUG, ROUND = "winter-2027", "round-1"
NINO = "nino@mia.example.gov.ge"
SORRY = "On mission that week, sorry"

Round = tuple[Workspace, Settings, Store, Meeting]


@pytest.fixture
def invited(write_workspace: Callable[..., Path]) -> Iterator[Round]:
    """The tiny round three weeks on, planned, approved and invited through the file outbox."""
    training = shift_dates(TINY_TRAINING, dt.date.today() + dt.timedelta(weeks=3))
    root = write_workspace(trainings={SLUG: training})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=PLANNED_AT), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
        now = dt.datetime.now(dt.UTC)
        mail = round_mailing(workspace, SLUG, ROUND, choose_sender(settings), now)
        send_round(mail, store, FileOutbox(settings.outbox))
        [meeting] = store.meetings(SLUG, ROUND)
        yield workspace, settings, store, meeting


def decline(uid: str, text: str, comment: str = "") -> bytes:
    """Return a decline as a mail client sends it: its text, and the REPLY calendar."""
    said = f"COMMENT:{comment}\r\n" if comment else ""
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:0\r\nDTSTAMP:20261201T090000Z\r\n{said}"
        f"ATTENDEE;PARTSTAT=DECLINED;CN=Nino:mailto:{NINO}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = f"Nino <{NINO}>"
    message["To"] = "consultations@example.org"
    message["Subject"] = "Declined: Consultation"
    message.set_content(text)
    message.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    return bytes(message)


def record(settings: Settings, store: Store, name: str, data: bytes) -> None:
    settings.inbox.mkdir(exist_ok=True)
    (settings.inbox / name).write_bytes(data)
    report = record_inbox(store, read_inbox(settings.inbox))
    assert [row.outcome for row in report.rows if row.source == f"inbox/{name}"] == [
        "recorded DECLINED"
    ]


def test_a_declines_comment_is_stored_exported_and_in_the_log(invited: Round) -> None:
    workspace, settings, store, meeting = invited
    record(settings, store, "decline.eml", decline(meeting.uid, "Declined.", comment=SORRY))

    [reply] = store.replies(meeting.id)
    assert (reply.partstat, reply.comment) == ("DECLINED", SORRY)
    table = build_table("answers", workspace, store, SLUG)
    [row] = [dict(zip(table.header, r, strict=True)) for r in table.rows if r[5] == NINO]
    assert (row["Answer"], row["Comment"]) == ("declined", SORRY)
    lines = history_lines(store.history(SLUG, kinds=["reply"]), ZoneInfo("Asia/Tbilisi"), SLUG)
    assert any(f"comment: {SORRY}" in line for line in lines)


def test_without_a_comment_the_text_typed_above_the_quotation_is_kept(invited: Round) -> None:
    _, settings, store, meeting = invited
    typed = (
        f"{SORRY}.\nLela will come in my place.\n\n"
        "On Tue, 1 Dec 2026 at 13:00, IOM Georgia <consultations@example.org> wrote:\n"
        "> You are invited to a consultation meeting\n"
    )
    record(settings, store, "typed.eml", decline(meeting.uid, typed))

    [reply] = store.replies(meeting.id)
    assert reply.comment == f"{SORRY}.\nLela will come in my place."
