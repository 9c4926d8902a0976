"""Planning never proposes a start before now plus the lead time, and says when a window is over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.errors import PlanningError
from consult.planning.plan import plan_round
from consult.planning.slots import Party, earliest_start
from consult.settings import Settings
from consult.workspace.loading import load_workspace
from schemas.types import WorkingHours

TBILISI = ZoneInfo("Asia/Tbilisi")
# the tiny training's round runs 2026-12-14..2027-01-15 (tests/conftest.py)
SLUG, ROUND = "winter-2027", "round-1"


def tbilisi(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TBILISI)  # type: ignore[misc]


def test_a_round_whose_window_started_is_planned_after_now_and_the_lead_time(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    # Tuesday 5 January, 10:00: Wednesday is one working day, Thursday 7 January is
    # Orthodox Christmas (a public holiday in Georgia), Friday is the second.
    now = tbilisi(2027, 1, 5, 10)
    plan = plan_round(workspace, SLUG, ROUND, {}, [], now=now)
    [row] = plan.rows
    assert row.start == tbilisi(2027, 1, 8, 9)


def test_a_lead_time_of_zero_only_keeps_starts_after_now(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    now = tbilisi(2027, 1, 5, 10, 10)
    [row] = plan_round(workspace, SLUG, ROUND, {}, [], now=now, lead_working_days=0).rows
    assert row.start == tbilisi(2027, 1, 5, 10, 30)


def test_the_lead_time_counts_each_partys_own_working_days() -> None:
    # Friday 8 January 2027, 16:00 UTC: 20:00 in Tbilisi, 11:00 in New York
    now = dt.datetime(2027, 1, 8, 16, tzinfo=dt.UTC)
    tbilisi_party = Party("c:nino", "Asia/Tbilisi", "GE")
    new_york = Party("c:amy", "America/New_York", "US")
    sunday_to_thursday = Party(
        "c:noa", "Asia/Jerusalem", "IL", WorkingHours(days=("sun", "mon", "tue", "wed", "thu"))
    )
    assert earliest_start(tbilisi_party, now, 2) == tbilisi(2027, 1, 12, 9)
    assert earliest_start(new_york, now, 2) == dt.datetime(
        2027, 1, 12, 9, tzinfo=ZoneInfo("America/New_York")
    )
    assert earliest_start(sunday_to_thursday, now, 2) == dt.datetime(
        2027, 1, 11, 9, tzinfo=ZoneInfo("Asia/Jerusalem")
    )
    assert earliest_start(tbilisi_party, now, 0) == now


def test_a_round_whose_window_is_over_is_a_clear_error(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    with pytest.raises(PlanningError) as caught:
        plan_round(workspace, SLUG, ROUND, {}, [], now=tbilisi(2027, 2, 1, 10))
    assert str(caught.value) == (
        "trainings/winter-2027.yaml, line 47, consultation.rounds[0].latest: the window of "
        "round round-1 (2026-12-14..2027-01-15) ends before the lead time allows any of its "
        "meetings to start (2 working days after now, CONSULT_LEAD_WORKING_DAYS); the earliest "
        "start is Wed 2027-02-03 09:00 Asia/Tbilisi. Move the round's window (earliest, latest) "
        "to dates from then on, and plan again."
    )


def test_a_window_that_ends_inside_the_lead_time_is_the_same_error(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    # Thursday 14 January: Friday 15th is one working day, Monday 18th the second,
    # after the window's last day
    with pytest.raises(PlanningError, match="the earliest start is Mon 2027-01-18 09:00"):
        plan_round(workspace, SLUG, ROUND, {}, [], now=tbilisi(2027, 1, 14, 10))
    [row] = plan_round(
        workspace, SLUG, ROUND, {}, [], now=tbilisi(2027, 1, 14, 10), lead_working_days=1
    ).rows
    assert row.start == tbilisi(2027, 1, 15, 9)


def test_the_lead_time_defaults_to_two_working_days() -> None:
    assert Settings().lead_working_days == 2
