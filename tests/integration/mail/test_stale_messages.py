"""Nothing is sent about a meeting that has started, except its cancellation; the run names it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.cli.output import print_delivery
from consult.demo import shift_dates
from consult.mail.delivery import Delivered
from consult.mail.invitations import late_meetings, send_round
from consult.mail.mailing import mailing, round_mailing
from consult.mail.reminders import send_due
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.changes import cancel, reschedule
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace
from schemas.state import Meeting
from tests.conftest import TINY_TRAINING

SLUG, ROUND = "winter-2027", "round-1"
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
"""When the round is planned and first sent: two weeks before its window opens."""

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
).replace("  rounds:\n", "  reminders:\n    days_before: 30\n  rounds:\n")

Round = tuple[Workspace, Settings, Store, Meeting, Meeting]


@pytest.fixture
def confirmed(write_workspace: Callable[..., Path]) -> Iterator[Round]:
    """The round planned and approved at NOW: its earlier meeting and its later one."""
    root = write_workspace(trainings={SLUG: TWO_MEETINGS})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=NOW), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
        earlier, later = sorted(store.meetings(SLUG, ROUND), key=lambda m: m.start)
        assert earlier.start < later.start
        yield workspace, settings, store, earlier, later


def send(round_: Round, now: dt.datetime) -> list[Delivered]:
    workspace, settings, store, _, _ = round_
    outbox = FileOutbox(settings.outbox)
    return send_round(
        round_mailing(workspace, SLUG, ROUND, choose_sender(settings), now), store, outbox
    )


def outcomes(report: list[Delivered]) -> list[tuple[str, str, str, str]]:
    return sorted((d.meeting_id.rsplit("/", 1)[-1], d.recipient, d.kind, d.outcome) for d in report)


def started(meeting: Meeting) -> str:
    local = meeting.start.astimezone(ZoneInfo("Asia/Tbilisi"))
    return f"the meeting started {local:%a %Y-%m-%d %H:%M} Asia/Tbilisi"


def test_invitations_to_a_meeting_that_started_are_refused_and_named(confirmed: Round) -> None:
    _, settings, store, earlier, later = confirmed
    report = send(confirmed, earlier.start)
    name = earlier.id.rsplit("/", 1)[-1]
    refused = [(name, a.email, "invitation", "too late") for a in store.attendees(earlier.id)]
    other = later.id.rsplit("/", 1)[-1]
    sent = [(other, a.email, "invitation", "sent") for a in store.attendees(later.id)]
    assert outcomes(report) == sorted(refused + sent)
    assert late_meetings(report) == [f"{earlier.id}: 2 invitations not sent, {started(earlier)}"]
    assert store.messages(earlier.id) == []
    assert len(list(settings.outbox.glob("*.eml"))) == 2


def test_a_refused_meeting_moved_to_a_later_time_is_invited_then(confirmed: Round) -> None:
    _, _, store, earlier, later = confirmed
    send(confirmed, earlier.start)
    reschedule(store, earlier, later.end + dt.timedelta(hours=2), "Nino", earlier.start)
    report = send(confirmed, earlier.start)
    assert late_meetings(report) == []
    assert {(d.meeting_id, d.kind, d.outcome) for d in report} == {
        # moving a confirmed meeting raises its SEQUENCE, so its first message is an update
        (earlier.id, "update", "sent"),
        (later.id, "invitation", "already sent"),
    }


def test_updates_about_a_meeting_that_started_are_refused_and_named(confirmed: Round) -> None:
    _, _, store, earlier, later = confirmed
    send(confirmed, NOW)
    moved = reschedule(store, earlier, earlier.start + dt.timedelta(hours=1), "Nino", NOW)
    reschedule(store, later, later.start + dt.timedelta(hours=1), "Nino", NOW)
    report = send(confirmed, moved.start + dt.timedelta(minutes=5))
    assert {(d.meeting_id, d.kind, d.outcome) for d in report} == {
        (earlier.id, "update", "too late"),
        (later.id, "update", "sent"),
    }
    assert late_meetings(report) == [f"{earlier.id}: 2 updates not sent, {started(moved)}"]


def test_reminders_about_a_meeting_that_started_are_refused_and_named(confirmed: Round) -> None:
    workspace, settings, store, earlier, later = confirmed
    send(confirmed, NOW)
    now = earlier.start + dt.timedelta(minutes=5)
    report = send_due(
        mailing(workspace, SLUG, choose_sender(settings), now), store, FileOutbox(settings.outbox)
    )
    reminders = {(d.meeting_id, d.kind, d.outcome) for d in report if d.kind == "reminder"}
    assert reminders == {(earlier.id, "reminder", "too late"), (later.id, "reminder", "sent")}
    assert late_meetings(report) == [f"{earlier.id}: 2 reminders not sent, {started(earlier)}"]


def test_the_cancellation_of_a_meeting_that_started_still_goes(confirmed: Round) -> None:
    _, _, store, earlier, later = confirmed
    send(confirmed, NOW)
    cancel(store, earlier, "Nino")
    report = send(confirmed, earlier.start + dt.timedelta(hours=1))
    assert late_meetings(report) == []
    assert {(d.meeting_id, d.kind, d.outcome) for d in report} == {
        (earlier.id, "cancellation", "sent"),
        (later.id, "invitation", "already sent"),
    }


@pytest.mark.slow
def test_consult_send_names_the_meetings_that_started(
    write_workspace: Callable[..., Path],
) -> None:
    # the training six weeks ago, its round before that, planned a week before the round
    training = shift_dates(TWO_MEETINGS, dt.date.today() - dt.timedelta(weeks=12))
    root = write_workspace(trainings={SLUG: training})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    opened = workspace.training(SLUG).round(ROUND).earliest - dt.timedelta(days=7)
    then = dt.datetime.combine(opened, dt.time(12), dt.UTC)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=then), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
        meetings = sorted(store.meetings(SLUG, ROUND), key=lambda m: m.start)
    result = subprocess.run(
        [sys.executable, "-m", "consult", "send", SLUG, "--workspace", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # refusing them is the right outcome, and a rerun would change nothing: exit 0
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 too late" in result.stdout
    assert "too late: these meetings had started" in result.stdout
    for meeting in meetings:
        assert f"  {meeting.id}: 2 invitations not sent, {started(meeting)}\n" in result.stdout
    assert not settings.outbox.exists() or not list(settings.outbox.glob("*.eml"))


def remind(round_: Round, now: dt.datetime) -> list[Delivered]:
    workspace, settings, store, _, _ = round_
    mail = mailing(workspace, SLUG, choose_sender(settings), now)
    return send_due(mail, store, FileOutbox(settings.outbox))


def test_a_meeting_held_with_notes_is_never_to_reschedule(
    confirmed: Round, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, store, earlier, _ = confirmed
    send(confirmed, NOW)
    store.upsert_observation(
        "notes/mia.md#1",
        meeting_id=earlier.id,
        organisation=earlier.organisation,
        kind="gap",
        theme="bias",
        severity=3,
        text="Interpreters are booked too late.",
        confidentiality="public",
    )
    report = remind(confirmed, earlier.start + dt.timedelta(minutes=50))
    print_delivery("Reminders", report, "consult remind")
    assert late_meetings(report) == []
    assert earlier.id not in capsys.readouterr().out.replace("\n", "")


def test_a_meeting_with_attendance_recorded_is_never_to_reschedule(confirmed: Round) -> None:
    _, _, store, earlier, _ = confirmed
    send(confirmed, NOW)
    attendance = {"source": "notes/mia.md", "attendance": [{"role": "Head of department"}]}
    store.audit("Nino", "notes.attendance", earlier.id, attendance)
    report = remind(confirmed, earlier.start + dt.timedelta(minutes=50))
    assert late_meetings(report) == []


def test_a_meeting_whose_time_passed_is_not_proposed_for_rescheduling(
    confirmed: Round, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, earlier, _ = confirmed
    send(confirmed, NOW)
    report = remind(confirmed, earlier.end + dt.timedelta(hours=2))
    print_delivery("Reminders", report, "consult remind")
    printed = " ".join(capsys.readouterr().out.split())
    assert "reschedule" not in printed
    local = earlier.start.astimezone(ZoneInfo("Asia/Tbilisi"))
    assert (
        f"{earlier.id}: 2 reminders not sent, the meeting's time has passed "
        f"({local:%a %Y-%m-%d %H:%M} Asia/Tbilisi)" in printed
    )
    assert "record its notes if it took place (`consult import-notes`, or the desk)" in printed
