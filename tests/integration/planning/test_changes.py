"""Moving a meeting keeps every planning rule, and every confirmed meeting counts when planning.

Two trainings share one facilitator, Claire Martin (Europe/Paris), under two ids
and two spellings of her email; the contacts work in Asia/Tbilisi.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.errors import PlanningError, RuleBroken
from consult.planning.changes import change_problem, find_meeting, free_times, local_start, move
from consult.planning.plan import plan_round, save_plan
from consult.planning.problem import bookings
from consult.planning.rules import check_slot
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace
from schemas.state import Meeting
from tests.conftest import PLANNED_AT, TINY_TRAINING

TBILISI = ZoneInfo("Asia/Tbilisi")
LELA = """\
    - id: lela
      name: Lela Tsereteli
      email: lela@example.org
      timezone: Asia/Tbilisi
      country: GE
"""
CLAIRE = """\
    - id: {id}
      name: Claire Martin
      email: {email}
      timezone: Europe/Paris
      country: FR
      max_meetings_per_day: {most}
"""
WINTER = TINY_TRAINING.replace(
    LELA, CLAIRE.format(id="claire", email="claire@example.org", most=3)
).replace("facilitators: [lela]", "facilitators: [claire]")
SPRING = (
    TINY_TRAINING.replace(LELA, CLAIRE.format(id="cmartin", email="Claire@Example.ORG", most=3))
    .replace("facilitators: [lela]", "facilitators: [cmartin]")
    .replace(
        "        - id: mia\n          organisation: mia",
        "        - id: coord\n          organisation: coordinators",
    )
)
SECOND_MEETING = """\
        - id: coord
          organisation: coordinators
          format: online
          duration_minutes: 60
          facilitators: [claire]
          location: https://meet.example.org/winter-2027/coord
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty state store in a SQLite file."""
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


@pytest.fixture
def two_trainings(write_workspace: Callable[..., Path]) -> Workspace:
    """Two trainings over the same weeks that share Claire Martin."""
    assert "cmartin" in SPRING
    return load_workspace(write_workspace(trainings={"winter-2027": WINTER, "spring-2027": SPRING}))


def propose(workspace: Workspace, store: Store, slug: str, *, replan: bool) -> None:
    """Plan the first round around every training's meetings and store the proposal."""
    existing = store.meetings(slug, "round-1")
    booked = bookings(workspace, store)
    result = plan_round(
        workspace, slug, "round-1", {}, existing, replan, now=PLANNED_AT, booked=booked
    )
    save_plan(store, result, "test")


def plan(workspace: Workspace, store: Store, slug: str, approve: bool = True) -> list[Meeting]:
    propose(workspace, store, slug, replan=False)
    if approve:
        store.decide_round(slug, "round-1", approve=True, actor="test")
    return store.meetings(slug, "round-1")


def overlaps(a: Meeting, b: Meeting, minutes: int) -> bool:
    buffer = dt.timedelta(minutes=minutes)
    return a.start < b.end + buffer and b.start < a.end + buffer


def test_a_move_to_saturday_night_is_refused_naming_the_rule_and_each_party(
    two_trainings: Workspace, store: Store
) -> None:
    [meeting] = plan(two_trainings, store, "winter-2027")
    saturday = local_start(two_trainings, "winter-2027", "2026-12-19T22:00")
    with pytest.raises(RuleBroken) as caught:
        move(two_trainings, store, meeting, saturday, "Nino", PLANNED_AT, feeds={})
    assert caught.value.breaches == [
        "Claire Martin (facilitator): Saturday is not a working day in Europe/Paris",
        "ნინო ბერიძე (contact, mia): Saturday is not a working day in Asia/Tbilisi",
    ]
    message = str(caught.value)
    assert message.startswith(
        "winter-2027/round-1/mia: Sat 2026-12-19 22:00 Asia/Tbilisi breaks 2 planning rules:\n"
        "  - Claire Martin (facilitator): Saturday is not a working day in Europe/Paris\n"
    )
    assert (
        "Free times that keep every rule (Asia/Tbilisi): Tue 2026-12-15 12:00, Wed 2026-12-16 12:00"
        in message
    )
    assert "--force REASON" in message
    assert store.get_meeting(meeting.id) == meeting
    assert "meeting.rescheduled" not in [e.action for e in store.audit_log(meeting.id)]


def test_a_move_outside_the_working_hours_names_the_hours_and_the_local_time(
    two_trainings: Workspace, store: Store
) -> None:
    [meeting] = plan(two_trainings, store, "winter-2027")
    early = local_start(two_trainings, "winter-2027", "2026-12-16T10:00")
    with pytest.raises(RuleBroken) as caught:
        move(two_trainings, store, meeting, early, "Nino", PLANNED_AT, feeds={})
    assert caught.value.breaches == [
        "Claire Martin (facilitator): Wed 07:00-08:00 Europe/Paris is outside the working "
        "hours 09:00-18:00 Europe/Paris"
    ]


def test_a_move_that_double_books_a_shared_facilitator_is_refused(
    two_trainings: Workspace, store: Store
) -> None:
    [winter] = plan(two_trainings, store, "winter-2027")
    [spring] = plan(two_trainings, store, "spring-2027")
    with pytest.raises(RuleBroken) as caught:
        move(two_trainings, store, spring, winter.start, "Nino", PLANNED_AT, feeds={})
    assert caught.value.breaches == [
        "Claire Martin (facilitator): has winter-2027/round-1/mia Mon 2026-12-14 09:00-10:00 "
        "Europe/Paris (and 30 minutes' buffer either side)"
    ]
    assert store.get_meeting(spring.id) == spring


def test_force_moves_it_and_writes_the_reason_and_the_rules_broken_to_the_audit_log(
    two_trainings: Workspace, store: Store
) -> None:
    [meeting] = plan(two_trainings, store, "winter-2027")
    saturday = local_start(two_trainings, "winter-2027", "2026-12-19T22:00")
    moved = move(
        two_trainings,
        store,
        meeting,
        saturday,
        "Nino",
        PLANNED_AT,
        feeds={},
        force="the minister can only meet then",
    )
    assert (moved.start, moved.sequence) == (saturday, meeting.sequence + 1)
    event = store.audit_log(meeting.id)[-1]
    assert (event.action, event.actor) == ("meeting.rescheduled", "Nino")
    assert event.detail["forced"] == "the minister can only meet then"
    assert event.detail["breaches"] == [
        "Claire Martin (facilitator): Saturday is not a working day in Europe/Paris",
        "ნინო ბერიძე (contact, mia): Saturday is not a working day in Asia/Tbilisi",
    ]


def test_a_time_in_the_past_is_refused_even_when_forced(
    two_trainings: Workspace, store: Store
) -> None:
    [meeting] = plan(two_trainings, store, "winter-2027")
    with pytest.raises(PlanningError, match="expected a future time"):
        move(
            two_trainings,
            store,
            meeting,
            PLANNED_AT - dt.timedelta(hours=1),
            "Nino",
            PLANNED_AT,
            feeds={},
            force="because",
        )


def test_a_move_that_keeps_every_rule_is_made_and_logged_without_force(
    two_trainings: Workspace, store: Store
) -> None:
    [meeting] = plan(two_trainings, store, "winter-2027")
    tuesday = local_start(two_trainings, "winter-2027", "2026-12-15T13:00")
    moved = move(two_trainings, store, meeting, tuesday, "Nino", PLANNED_AT, feeds={})
    assert moved.start == tuesday
    assert "forced" not in store.audit_log(meeting.id)[-1].detail


def test_the_free_times_offered_keep_every_rule_one_a_day(
    two_trainings: Workspace, store: Store
) -> None:
    plan(two_trainings, store, "winter-2027")
    [spring] = plan(two_trainings, store, "spring-2027")
    offered = free_times(two_trainings, store, spring, {}, now=PLANNED_AT, count=4)
    problem, request = change_problem(two_trainings, store, spring, {}, now=PLANNED_AT)
    assert len(offered) == 4
    assert [check_slot(problem, request, start) for start in offered] == [[]] * 4
    assert len({start.astimezone(TBILISI).date() for start in offered}) == 4
    assert all(start.astimezone(TBILISI).weekday() < 5 for start in offered)


def test_a_second_training_over_the_same_weeks_never_double_books_a_shared_facilitator(
    two_trainings: Workspace, store: Store
) -> None:
    [winter] = plan(two_trainings, store, "winter-2027")
    [spring] = plan(two_trainings, store, "spring-2027", approve=False)
    assert spring.start is not None
    assert not overlaps(winter, spring, 30)
    # and the first, planned again from scratch, keeps out of the second's proposal
    propose(two_trainings, store, "winter-2027", replan=True)
    [winter_again] = store.meetings("winter-2027", "round-1")
    assert not overlaps(winter_again, spring, 30)


def test_bookings_identify_people_by_email_whatever_its_case(
    two_trainings: Workspace, store: Store
) -> None:
    plan(two_trainings, store, "winter-2027")
    plan(two_trainings, store, "spring-2027")
    people = [booking.people for booking in bookings(two_trainings, store)]
    assert all("claire@example.org" in who for who in people)


def test_planning_again_after_approval_keeps_each_facilitators_maximum_a_day(
    write_workspace: Callable[..., Path], store: Store
) -> None:
    one_a_day = WINTER.replace("max_meetings_per_day: 3", "max_meetings_per_day: 1")
    workspace = load_workspace(write_workspace(trainings={"winter-2027": one_a_day}))
    [confirmed] = plan(workspace, store, "winter-2027")
    grown = one_a_day.replace("      meetings:\n", "      meetings:\n" + SECOND_MEETING, 1)
    assert grown.count("- id: coord") == 1
    workspace = load_workspace(write_workspace(trainings={"winter-2027": grown}))
    meetings = plan(workspace, store, "winter-2027", approve=False)
    added = find_meeting(store, "winter-2027", "round-1", "coord")
    assert [m.id for m in meetings if m.status == "confirmed"] == [confirmed.id]
    paris = ZoneInfo("Europe/Paris")
    assert added.start.astimezone(paris).date() != confirmed.start.astimezone(paris).date()
