"""Flows `reschedule-meeting`, `cancel-meeting` and `send-reminders` on a real Prefect server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.demo import shift_dates
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.change_meeting import (
    CancelParameters,
    RescheduleParameters,
    cancel_meeting,
    reschedule_meeting,
)
from flows.send_reminders import ReminderParameters, send_reminders
from tests.conftest import PLANNED_AT, TINY_TRAINING


def invited_workspace(
    write_workspace: Callable[..., Path], training: str = TINY_TRAINING
) -> tuple[Path, Settings]:
    """Plan, approve and invite the tiny round, dated from today (reminders use the clock)."""
    root = write_workspace(
        trainings={"winter-2027": shift_dates(training, dt.date.today() + dt.timedelta(weeks=3))}
    )
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(
            store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT), "test"
        )
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        send_round(
            round_mailing(
                workspace,
                "winter-2027",
                "round-1",
                choose_sender(settings),
                dt.datetime.now(dt.UTC),
            ),
            store,
            FileOutbox(settings.outbox),
        )
    return root, settings


def test_a_moved_then_cancelled_meeting_reaches_every_attendee(
    write_workspace: Callable[..., Path],
) -> None:
    root, settings = invited_workspace(write_workspace)
    with open_store(settings.store_url) as store:
        [meeting] = store.meetings("winter-2027", "round-1")
    new_start = (meeting.start + dt.timedelta(days=1)).astimezone(ZoneInfo("Asia/Tbilisi"))
    moved = reschedule_meeting(
        RescheduleParameters(
            training="winter-2027",
            meeting="mia",
            decided_by="Nino",
            workspace=str(root),
            start=new_start.strftime("%Y-%m-%dT%H:%M"),
        )
    )
    assert moved == "2 updates sent"
    called_off = cancel_meeting(
        CancelParameters(
            training="winter-2027",
            meeting="mia",
            decided_by="Nino",
            workspace=str(root),
            reason="The ministry's team is on mission",
        )
    )
    assert called_off == "2 cancellations sent"
    with open_store(settings.store_url) as store:
        [meeting_now] = store.meetings("winter-2027", "round-1")
        [cancelled] = [
            e
            for e in store.audit_log()
            if e.action == "meeting.status" and e.detail["to"] == "cancelled"
        ]
    assert (meeting_now.status, meeting_now.sequence) == ("cancelled", 2)
    # the reason, asked on the Prefect form as on the desk and the command, is in the audit log
    assert cancelled.detail["reason"] == "The ministry's team is on mission"


def test_reminders_run_twice_send_nothing_twice(write_workspace: Callable[..., Path]) -> None:
    # the meeting is weeks away: remind 30 days ahead, so the reminders are due now
    training = TINY_TRAINING.replace(
        "consultation:\n",
        "consultation:\n  reminders:\n    days_before: 30\n    nudge_after_days: 30\n",
    )
    root, _ = invited_workspace(write_workspace, training)
    parameters = ReminderParameters(training="winter-2027", workspace=str(root))
    assert send_reminders(parameters) == "2 reminder sent"
    assert send_reminders(parameters) == "2 reminder already sent"
