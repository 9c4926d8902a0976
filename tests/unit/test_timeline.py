"""The timeline: which steps of a training's preparation are due on a day, each once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.coordination.timeline import (
    Progress,
    due_steps,
    local_day,
    next_step,
    timeline,
    timeline_warnings,
)
from consult.errors import WorkspaceError
from consult.workspace.loading import load_workspace
from schemas import Training
from tests.conftest import TINY_TRAINING

START = dt.date(2027, 1, 26)  # the tiny training's first day; its round ends 2027-01-15
PLAN_DAYS, INVITE_DAYS = 55, 50
"""Its round opens on 2026-12-14: invited a week before (2026-12-07, T-50, not T-40),
planned five days before that (2026-12-02, T-55, not T-45), as its window asks."""


@pytest.fixture
def training(write_workspace: Callable[..., Path]) -> Training:
    """The tiny training, with the default timeline."""
    return load_workspace(write_workspace()).training("winter-2027")


APPROVED = {"round-1": "approved"}
"""The round's schedule approved: its invitations may fall due."""


def keys_due(
    training: Training,
    day: dt.date,
    done: set[str] | None = None,
    schedules: dict[str, str] | None = None,
) -> list[str]:
    progress = Progress(done or set(), schedules or {})
    return [step.key for step in due_steps("winter-2027", training, day, progress)]


def days_before(days: int) -> dt.date:
    return START - dt.timedelta(days=days)


def test_nothing_is_due_before_planning_day(training: Training) -> None:
    assert keys_due(training, days_before(PLAN_DAYS + 1)) == []


def test_the_round_is_planned_before_its_window_opens(training: Training) -> None:
    assert keys_due(training, days_before(PLAN_DAYS)) == ["plan/round-1"]
    done = {"plan/round-1"}
    assert keys_due(training, days_before(INVITE_DAYS), done, APPROVED) == [
        "invite/round-1",
        "remind/2026-12-07",
    ]


def test_a_round_that_opens_late_keeps_t_minus_45_and_40(
    write_workspace: Callable[..., Path],
) -> None:
    text = TINY_TRAINING.replace("earliest: 2026-12-14", "earliest: 2026-12-28")
    late = load_workspace(write_workspace(trainings={"winter-2027": text})).training("winter-2027")
    assert keys_due(late, days_before(45)) == ["plan/round-1"]
    assert keys_due(late, days_before(40), {"plan/round-1"}, APPROVED)[0] == "invite/round-1"


def test_a_round_whose_window_ends_long_before_the_training_follows_its_window(
    write_workspace: Callable[..., Path],
) -> None:
    # Meetings from 8 to 22 December for a training on 22 March: T-45 (5 Feb) would plan
    # the round weeks after its window closed, and remind of meetings long past.
    text = TINY_TRAINING.replace("earliest: 2026-12-14", "earliest: 2026-12-08")
    text = text.replace("latest: 2027-01-15", "latest: 2026-12-22")
    text = text.replace("start: 2027-01-26", "start: 2027-03-22")
    text = text.replace("end: 2027-01-28", "end: 2027-03-24")
    early = load_workspace(write_workspace(trainings={"winter-2027": text})).training("winter-2027")
    days = {step.key: step.due for step in timeline("winter-2027", early)}
    assert days["plan/round-1"] == dt.date(2026, 11, 26)
    assert days["invite/round-1"] == dt.date(2026, 12, 1)
    assert min(day for key, day in days.items() if key.startswith("remind/")) == dt.date(
        2026, 12, 1
    )
    assert days["brief"] == dt.date(2027, 3, 15)
    assert timeline_warnings("winter-2027", early) == []


def test_invitations_and_the_first_reminders_are_due_at_t_minus_40(training: Training) -> None:
    done = {"plan/round-1"}
    assert keys_due(training, days_before(40), done, APPROVED) == [
        "invite/round-1",
        "remind/2026-12-17",
    ]


def test_a_missed_step_is_due_on_the_next_run(training: Training) -> None:
    assert keys_due(training, days_before(39)) == ["plan/round-1", "remind/2026-12-18"]
    # Approved late: the invitations missed at T-40 are due the day after.
    assert keys_due(training, days_before(39), {"plan/round-1"}, APPROVED) == [
        "invite/round-1",
        "remind/2026-12-18",
    ]


def test_a_step_done_is_not_due_again(training: Training) -> None:
    done = {"plan/round-1", "invite/round-1", "remind/2026-12-18"}
    assert keys_due(training, days_before(39), done) == []


def test_reminders_are_due_every_day_until_the_training_starts(training: Training) -> None:
    reminders = [step.due for step in timeline("winter-2027", training) if step.kind == "remind"]
    assert reminders[0] == days_before(INVITE_DAYS)
    assert reminders[-1] == days_before(1)
    assert len(reminders) == INVITE_DAYS


def test_the_briefing_is_due_at_t_minus_7_after_the_round_closed(training: Training) -> None:
    done = {"plan/round-1", "invite/round-1"}
    assert keys_due(training, days_before(7), done) == ["remind/2027-01-19", "brief"]


def test_nothing_is_due_once_the_training_has_started(training: Training) -> None:
    assert keys_due(training, START) == []


def test_the_timeline_is_set_in_the_training_file(write_workspace: Callable[..., Path]) -> None:
    text = TINY_TRAINING + (
        "timeline:\n  plan_days_before: 60\n  invite_days_before: 50\n"
        "  daily_reminders: false\n  briefing_days_before: 3\n"
    )
    training = load_workspace(write_workspace(trainings={"winter-2027": text})).training(
        "winter-2027"
    )
    assert [(step.key, step.due) for step in timeline("winter-2027", training)] == [
        ("plan/round-1", days_before(60)),
        ("invite/round-1", days_before(50)),
        ("brief", days_before(3)),
    ]


def test_invitations_before_planning_are_one_clear_error(
    write_workspace: Callable[..., Path],
) -> None:
    text = TINY_TRAINING + "timeline:\n  plan_days_before: 30\n"
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(write_workspace(trainings={"winter-2027": text}))
    [problem] = caught.value.problems
    assert str(problem).startswith("trainings/winter-2027.yaml, line ")
    assert "invitations at T-40 would go out before the round is planned at T-30" in str(problem)


def test_the_day_is_the_training_s_day(training: Training) -> None:
    late_evening_utc = dt.datetime(2026, 12, 11, 21, 0, tzinfo=dt.UTC)  # 01:00 in Tbilisi
    assert local_day(training, late_evening_utc) == dt.date(2026, 12, 12)
    with pytest.raises(ValueError, match="no time zone"):
        local_day(training, dt.datetime(2026, 12, 12, 8, 0))


def test_a_round_approved_by_hand_is_not_planned_again(training: Training) -> None:
    # Planned with `consult plan --approve` (or in the desk): no step started by the timeline.
    assert keys_due(training, days_before(PLAN_DAYS), schedules={"round-1": "approved"}) == []
    # A schedule proposed by hand and waiting for the decision is not planned again either.
    assert keys_due(training, days_before(PLAN_DAYS), schedules={"round-1": "proposed"}) == []
    # One sent back is planned again.
    sent_back = {"round-1": "sent_back"}
    assert keys_due(training, days_before(PLAN_DAYS), schedules=sent_back) == ["plan/round-1"]


def test_invitations_fall_due_only_once_the_schedule_is_approved(training: Training) -> None:
    done = {"plan/round-1"}
    proposed = {"round-1": "proposed"}
    assert keys_due(training, days_before(40), done, proposed) == ["remind/2026-12-17"]
    assert keys_due(training, days_before(39), done, {}) == ["remind/2026-12-18"]
    assert keys_due(training, days_before(39), done, APPROVED) == [
        "invite/round-1",
        "remind/2026-12-18",
    ]


def test_next_step_says_what_comes_next_and_when(training: Training) -> None:
    nothing = Progress()
    assert next_step("winter-2027", training, days_before(PLAN_DAYS + 1), nothing) == (
        "next: round-1: plan the round on 2026-12-02"
    )
    planned = Progress({"plan/round-1"}, {"round-1": "proposed"})
    assert next_step("winter-2027", training, days_before(PLAN_DAYS - 1), planned) == (
        "next: round-1: send the round's invitations, once the schedule is approved"
    )
    approved = Progress({"plan/round-1"}, APPROVED)
    assert next_step("winter-2027", training, days_before(PLAN_DAYS - 1), approved) == (
        "next: round-1: send the round's invitations on 2026-12-07"
    )


def test_validate_warns_of_a_round_that_ends_after_the_pack_is_due(
    write_workspace: Callable[..., Path],
) -> None:
    text = TINY_TRAINING.replace("latest: 2027-01-15", "latest: 2027-01-22")
    root = write_workspace(trainings={"winter-2027": text})
    late = load_workspace(root).training("winter-2027")
    assert timeline_warnings("winter-2027", late) == [
        "trainings/winter-2027.yaml, consultation.rounds round-1: it ends on 2027-01-22, on or "
        "after the day the pack is due (2027-01-19, T-7): the pack waits until 2027-01-23, "
        "which leaves the trainers 3 day(s) to read it"
    ]
    assert {s.key: s.due for s in timeline("winter-2027", late)}["brief"] == dt.date(2027, 1, 23)
    checked = subprocess.run(
        [sys.executable, "-m", "consult", "validate", str(root)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "warning: trainings/winter-2027.yaml, consultation.rounds round-1: it ends" in (
        checked.stderr
    )
