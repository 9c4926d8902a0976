"""The assignment: the most meetings placed, then the cheapest placement; checked by brute force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.planning.assignment import cheapest_fit, exhaustive, feasible, first_fit, objective
from consult.planning.slots import Party, Preferences, Request, Round, candidates
from consult.planning.solver import solve
from schemas.types import WorkingHours

UTC = dt.UTC
TBILISI = ZoneInfo("Asia/Tbilisi")
MONDAY = dt.date(2027, 3, 15)


def hours(start: int, end: int) -> WorkingHours:
    return WorkingHours(start=dt.time(start), end=dt.time(end))


@st.composite
def small_rounds(draw: st.DrawFn) -> Round:
    """Return a random round small enough to search exhaustively."""
    parties = {
        "f0": Party(
            "f0",
            "Asia/Tbilisi",
            "GE",
            hours(9, 13),
            max_per_day=draw(st.sampled_from([1, 2, None])),
        ),
        "f1": Party(
            "f1",
            "Europe/Bucharest",
            "RO",
            hours(8, 12),
            max_per_day=draw(st.sampled_from([1, 2, None])),
        ),
        "c": Party(
            "c", draw(st.sampled_from(["Asia/Tbilisi", "Europe/Istanbul"])), "GE", hours(10, 14)
        ),
    }
    count = draw(st.integers(1, 4))
    requests = tuple(
        Request(
            f"m{i}",
            draw(st.sampled_from([60, 90, 120])),
            tuple(sorted(draw(st.sets(st.sampled_from(["f0", "f1"]), min_size=1)))),
            draw(st.sampled_from(["o1", "o2", "o3", f"own{i}"])),
            ("c",),
        )
        for i in range(count)
    )
    days = draw(st.integers(0, 1))
    preferences = Preferences(
        preferred_days=draw(st.sampled_from([(), ("tue",), ("mon", "tue")])),
        preferred_start=draw(st.sampled_from([None, dt.time(11)])),
        preferred_end=draw(st.sampled_from([None, dt.time(12)])),
        earlier_is_better=draw(st.booleans()),
        spread_facilitator_load=draw(st.booleans()),
    )
    return Round(
        MONDAY,
        MONDAY + dt.timedelta(days=days),
        "Asia/Tbilisi",
        60,
        draw(st.sampled_from([0, 30, 60])),
        parties,
        requests,
        preferences,
    )


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_rounds())
def test_the_solver_matches_exhaustive_search(round_: Round) -> None:
    options = candidates(round_)
    answer = solve(round_, options)
    starts = {
        p.request_id: None if p.start is None else _index(round_, p.start)
        for p in answer.placements
    }
    assert feasible(round_, starts, options)
    assert answer.optimal
    assert answer.bound == answer.cost
    assert (answer.placed, answer.cost) == exhaustive(round_, options)


def _index(round_: Round, start: dt.datetime) -> int:
    return int((start - round_.origin) / dt.timedelta(minutes=round_.step_minutes))


def one_facilitator_round(requests: Sequence[Request], **changes: object) -> Round:
    lev = Party(
        "lev", "Asia/Tbilisi", "GE", hours(9, 12), max_per_day=changes.pop("max_per_day", None)
    )  # type: ignore[arg-type]
    return Round(
        MONDAY,
        MONDAY,
        "Asia/Tbilisi",
        60,
        changes.pop("buffer", 0),
        {"lev": lev},  # type: ignore[arg-type]
        tuple(requests),
        Preferences(spread_facilitator_load=False),
    )


def test_the_solver_places_what_first_fit_would_miss() -> None:
    # "early" could go at 09:00 or 10:00, "long" fits only at 09:00: first-fit takes 09:00
    # for "early" and loses "long"; the optimum moves "early" to 11:00... or 10:00 is taken.
    lev = Party("lev", "Asia/Tbilisi", "GE", hours(9, 12))
    late = Party("c", "Asia/Tbilisi", "GE", hours(9, 11))
    round_ = Round(
        MONDAY,
        MONDAY,
        "Asia/Tbilisi",
        60,
        0,
        {"lev": lev, "c": late},
        (Request("early", 60, ("lev",), "a"), Request("long", 120, ("lev",), "b", ("c",))),
        Preferences(spread_facilitator_load=False),
    )
    answer = solve(round_, candidates(round_))
    placed = answer.by_request()
    assert answer.placed == 2
    assert placed["long"].start == dt.datetime(2027, 3, 15, 5, tzinfo=UTC)  # 09:00 Tbilisi
    assert placed["early"].start == dt.datetime(2027, 3, 15, 7, tzinfo=UTC)  # 11:00 Tbilisi


def test_the_buffer_separates_a_facilitators_meetings() -> None:
    round_ = one_facilitator_round(
        [Request("a", 60, ("lev",), "x"), Request("b", 60, ("lev",), "y")], buffer=30
    )
    answer = solve(round_, candidates(round_))
    a, b = sorted(p.start for p in answer.placements if p.start)
    assert b - a >= dt.timedelta(minutes=90)


def test_at_most_n_meetings_a_day_and_the_rest_say_why() -> None:
    round_ = one_facilitator_round([Request(n, 60, ("lev",), n) for n in "abc"], max_per_day=2)
    answer = solve(round_, candidates(round_))
    assert answer.placed == 2
    [left] = [p for p in answer.placements if p.start is None]
    assert left.reason == (
        "its possible slots are all taken by other meetings of the same "
        "facilitators or organisation (the round places as many meetings as "
        "possible)"
    )


def test_an_organisation_is_never_in_two_meetings_at_once() -> None:
    parties = {f: Party(f, "Asia/Tbilisi", "GE", hours(9, 10)) for f in ("a", "b")}
    round_ = Round(
        MONDAY,
        MONDAY,
        "Asia/Tbilisi",
        60,
        0,
        parties,
        (Request("x", 60, ("a",), "mia"), Request("y", 60, ("b",), "mia")),
        Preferences(spread_facilitator_load=False),
    )
    assert solve(round_, candidates(round_)).placed == 1


def test_earlier_preferred_days_and_hours_win_among_full_placements() -> None:
    lev = Party("lev", "Asia/Tbilisi", "GE", hours(9, 18))
    round_ = Round(
        MONDAY,
        MONDAY + dt.timedelta(days=4),
        "Asia/Tbilisi",
        60,
        0,
        {"lev": lev},
        (Request("a", 60, ("lev",), "x"),),
        Preferences(
            preferred_days=("wed",), preferred_start=dt.time(11), preferred_end=dt.time(15)
        ),
    )
    [placement] = solve(round_, candidates(round_)).placements
    assert placement.start is not None
    assert placement.end is not None
    start = placement.start.astimezone(TBILISI)
    assert start.date() == dt.date(2027, 3, 17)  # the first Wednesday
    assert dt.time(11) <= start.time()
    assert placement.end.astimezone(TBILISI).time() <= dt.time(15)


def test_a_solver_stopped_by_its_time_limit_is_never_worse_than_first_fit() -> None:
    parties = {
        f: Party(f, "Asia/Tbilisi", "GE", hours(9, 18), max_per_day=3) for f in ("a", "b", "c")
    }
    requests = tuple(
        Request(f"m{i:02d}", 60 + 30 * (i % 3), (("a", "b", "c")[i % 3],), f"o{i}")
        for i in range(30)
    )
    round_ = Round(
        MONDAY,
        MONDAY + dt.timedelta(days=13),
        "Asia/Tbilisi",
        30,
        30,
        parties,
        requests,
        Preferences(preferred_days=("tue",)),
    )
    options = candidates(round_)
    answer = solve(round_, options, time_limit=0.01)
    assert not answer.optimal
    for greedy in (first_fit(round_, options), cheapest_fit(round_, options)):
        placed, total = objective(round_, greedy)
        assert (answer.placed, -answer.cost) >= (placed, -total)
    assert answer.bound is None or answer.bound <= answer.cost


def test_cheapest_fit_takes_the_cheapest_free_start_where_first_fit_takes_the_first() -> None:
    lev = Party("lev", "Asia/Tbilisi", "GE", hours(9, 18))
    round_ = Round(
        MONDAY,
        MONDAY + dt.timedelta(days=4),
        "Asia/Tbilisi",
        60,
        0,
        {"lev": lev},
        (Request("a", 60, ("lev",), "x"), Request("b", 60, ("lev",), "y")),
        Preferences(
            preferred_days=("wed",), preferred_start=dt.time(11), spread_facilitator_load=False
        ),
    )
    options = candidates(round_)
    first, cheapest = first_fit(round_, options), cheapest_fit(round_, options)
    assert [round_.at(first[r]).astimezone(TBILISI) for r in "ab"] == [
        dt.datetime(2027, 3, 15, 9, tzinfo=TBILISI),
        dt.datetime(2027, 3, 15, 10, tzinfo=TBILISI),
    ]
    assert [round_.at(cheapest[r]).astimezone(TBILISI) for r in "ab"] == [
        dt.datetime(2027, 3, 17, 11, tzinfo=TBILISI),
        dt.datetime(2027, 3, 17, 12, tzinfo=TBILISI),
    ]
