"""The daily run reads the replies before it reminds: nobody who accepted is nudged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from consult.application.references import round_ref, training_ref
from consult.application.remind import send_reminders
from consult.application.send import send_round
from consult.bootstrap import assemble
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import LIVE_PLANNED_AT, LIVE_TRAINING

SLUG = "winter-2027"
NINO = "nino@mia.example.gov.ge"


def accepted(uid: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:0\r\nDTSTAMP:20261201T090000Z\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Nino:mailto:{NINO}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def test_the_daily_run_records_an_acceptance_in_the_inbox_before_it_nudges(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={SLUG: LIVE_TRAINING})
    settings, workspace = Settings(workspace=root), load_workspace(root)
    now = dt.datetime.now(dt.UTC)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, "round-1", {}, [], now=LIVE_PLANNED_AT), "t")
        store.decide_round(SLUG, "round-1", approve=True, actor="test")
        send_round(assemble(settings, workspace, store, lambda: now), round_ref(workspace, SLUG))
        [meeting] = store.meetings(SLUG, "round-1")
        # Nino accepted; the answer waits in the inbox when the nudges fall due
        settings.inbox.mkdir()
        (settings.inbox / "nino.ics").write_text(accepted(meeting.uid), encoding="utf-8")
        later = assemble(settings, workspace, store, lambda: now + dt.timedelta(days=4))
        assert later.now() < meeting.start

        report = send_reminders(later, training_ref(workspace, SLUG))

        assert [(d.recipient, d.kind) for d in report if d.recipient == NINO] == []
        [nino] = [a for a in store.attendees(meeting.id) if a.email == NINO]
        assert nino.partstat == "ACCEPTED"
        assert not list(settings.outbox.glob("*.nudge.*.eml"))
