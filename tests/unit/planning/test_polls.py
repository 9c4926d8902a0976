"""A date poll's options keep every rule and each other's time; the best option; the file's poll."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.errors import WorkspaceError
from consult.planning.polls import best_option, choose, poll_options
from consult.planning.rules import check_slot
from consult.planning.slots import Booking, Party, Request, Round
from consult.workspace.loading import load_workspace
from schemas.types import WorkingHours
from tests.polls import POLL_TRAINING, STAKEHOLDERS

TBILISI = ZoneInfo("Asia/Tbilisi")
LELA = Party("f:lela", "Asia/Tbilisi", "GE", WorkingHours(), max_per_day=2, person="lela@x.org")
NINO = Party("c:nino", "Asia/Tbilisi", "GE", person="nino@x.org")
GIA = Party("c:gia", "Asia/Tbilisi", "GE", person="gia@x.org")
MIA = Request("mia", 60, ("f:lela",), "mia", ("c:nino",))
NGO = Request("ngo", 90, ("f:lela",), "ngo", ("c:gia",))
OPTION = tuple[dt.datetime, dt.datetime]


def round_of(*requests: Request, fixed: tuple[Booking, ...] = ()) -> Round:
    return Round(
        dt.date(2027, 1, 11),
        dt.date(2027, 1, 22),
        "Asia/Tbilisi",
        30,
        30,
        {p.id: p for p in (LELA, NINO, GIA)},
        requests,
        fixed=fixed,
    )


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2027, 1, day, hour, tzinfo=TBILISI).astimezone(dt.UTC)


def test_the_options_are_on_as_many_days_as_asked_and_each_keeps_every_rule() -> None:
    problem = round_of(MIA)
    options = choose(problem, MIA, 4)
    assert len(options) == 4
    assert len({start.astimezone(TBILISI).date() for start, _ in options}) == 4
    assert list(options) == sorted(options)
    for start, end in options:
        assert end - start == dt.timedelta(minutes=60)
        assert check_slot(problem, MIA, start) == []


def test_when_the_days_run_out_the_options_share_a_day_without_overlapping() -> None:
    one_day = dataclasses.replace(
        round_of(MIA), earliest=dt.date(2027, 1, 12), latest=dt.date(2027, 1, 12)
    )
    options = choose(one_day, MIA, 3)
    assert len(options) == 3
    gap = dt.timedelta(minutes=30)
    for (_, end), (start, _) in itertools.pairwise(options):
        assert start >= end + gap


def test_two_polls_sharing_a_facilitator_never_offer_times_that_clash() -> None:
    problem = round_of(MIA, NGO)
    placed = {
        "mia": (at(12, 10), at(12, 11)),
        "ngo": (at(12, 14), at(12, 15) + dt.timedelta(minutes=30)),
    }
    found = poll_options(problem, {"mia": 5, "ngo": 5}, placed)
    assert len(found["mia"]) == len(found["ngo"]) == 5
    buffer = dt.timedelta(minutes=30)
    for a_start, a_end in found["mia"]:
        for b_start, b_end in found["ngo"]:
            assert a_end + buffer <= b_start or b_end + buffer <= a_start


def test_a_poll_works_around_the_rounds_other_meetings_as_placed() -> None:
    problem = round_of(MIA, NGO)
    # the NGO's meeting (no poll) holds Lela on the 12th at 10:00; Lela takes 2 a day at most
    placed = {
        "mia": (at(13, 10), at(13, 11)),
        "ngo": (
            at(12, 10),
            at(
                12,
                11,
            )
            + dt.timedelta(minutes=30),
        ),
    }
    options = poll_options(problem, {"mia": 5}, placed)["mia"]
    taken = Booking("ngo", *placed["ngo"], frozenset({"lela@x.org", "gia@x.org"}))
    with_ngo = dataclasses.replace(problem, fixed=(taken,))
    for start, _ in options:
        assert check_slot(with_ngo, MIA, start) == []


def test_a_meeting_that_could_not_be_placed_gets_no_options() -> None:
    assert poll_options(round_of(MIA), {"mia": 3}, {}) == {"mia": ()}


@pytest.mark.parametrize(
    ("votes", "best"),
    [
        ({}, 1),
        ({"a": {1: "no", 2: "yes", 3: "if_need_be"}}, 2),
        ({"a": {1: "yes", 2: "yes"}, "b": {1: "no", 2: "if_need_be"}}, 2),
        ({"a": {2: "yes", 3: "yes"}, "b": {2: "if_need_be", 3: "if_need_be"}}, 2),
        ({"a": {1: "if_need_be", 3: "yes"}, "b": {1: "if_need_be"}}, 3),
    ],
)
def test_the_best_option_has_the_most_yes_then_if_need_be_then_comes_first(
    votes: dict[str, dict[int, str]], best: int
) -> None:
    options: list[OPTION] = [(at(d, 10), at(d, 11)) for d in (12, 13, 14)]
    assert best_option(options, votes) == best


def test_a_deadline_on_or_after_the_rounds_first_day_names_the_file_line_and_field(
    write_workspace: Callable[..., Path],
) -> None:
    late = POLL_TRAINING.replace("deadline: 2026-12-10", "deadline: 2026-12-14")
    root = write_workspace(stakeholders=STAKEHOLDERS, trainings={"winter-2027": late})
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    [problem] = [str(p) for p in caught.value.problems]
    assert problem == (
        "trainings/winter-2027.yaml, line 50, consultation.rounds[0].poll.deadline: "
        "got '2026-12-14', expected a day before the round's window opens (earliest: 2026-12-14)"
    )


@pytest.mark.parametrize("options", [2, 6])
def test_a_poll_offers_three_to_five_times(
    write_workspace: Callable[..., Path], options: int
) -> None:
    text = POLL_TRAINING.replace("options: 3", f"options: {options}")
    root = write_workspace(stakeholders=STAKEHOLDERS, trainings={"winter-2027": text})
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    [problem] = [str(p) for p in caught.value.problems]
    assert "consultation.rounds[0].poll.options: got " + str(options) in problem


def test_the_schedule_says_when_a_poll_found_fewer_times_than_it_asked() -> None:
    from consult.planning.plan import PlannedRow, _status

    start = dt.datetime(2027, 1, 12, 6, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    row = PlannedRow(
        "winter-2027/round-1/mia", "mia", "online", start, start + hour, None, (), (), None,
        options=((start, start + hour), (start + 24 * hour, start + 25 * hour)),
        deadline=dt.datetime(2027, 1, 8, 20, tzinfo=dt.UTC),
        asked=3,
    )  # fmt: skip
    zone = ZoneInfo("Asia/Tbilisi")
    assert _status(row, zone) == (
        "date poll: 2 times, not the 3 asked: only these keep every rule "
        "(also Wed 2027-01-13 10:00), votes until 2027-01-08"
    )
    assert _status(dataclasses.replace(row, asked=2), zone) == (
        "date poll: 2 times (also Wed 2027-01-13 10:00), votes until 2027-01-08"
    )
