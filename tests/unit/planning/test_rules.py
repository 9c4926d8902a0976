"""One time for one meeting checked against the planner's rules: which rule, for whom."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from consult.planning.rules import RuleBreach, check_slot, free_slots
from consult.planning.slots import Booking, Party, Request, Round, candidates
from schemas.types import WorkingHours

TBILISI = ZoneInfo("Asia/Tbilisi")
LELA = Party(
    "f:lela",
    "Asia/Tbilisi",
    "GE",
    WorkingHours(),
    max_per_day=2,
    person="lela@example.org",
    label="Lela Tsereteli (facilitator)",
)
NINO = Party("c:nino", "Asia/Tbilisi", "GE", person="nino@example.org", label="Nino (contact, mia)")
MEETING = Request("mia", 60, ("f:lela",), "mia", ("c:nino",))


def tbilisi(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TBILISI).astimezone(dt.UTC)  # type: ignore[misc]


def round_of(*parties: Party, fixed: tuple[Booking, ...] = (), **kw: object) -> Round:
    return Round(
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 29),
        "Asia/Tbilisi",
        30,
        30,
        {p.id: p for p in (LELA, NINO, *parties)},
        (MEETING,),
        fixed=fixed,
        **kw,  # type: ignore[arg-type]
    )


def booking(id: str, start: dt.datetime, *people: str) -> Booking:
    return Booking(id, start, start + dt.timedelta(hours=1), frozenset(people))


def test_a_time_that_keeps_every_rule_breaks_none() -> None:
    assert check_slot(round_of(), MEETING, tbilisi(2027, 1, 12, 10)) == []


def test_a_public_holiday_is_named_with_its_country_and_name() -> None:
    breaches = check_slot(round_of(), MEETING, tbilisi(2027, 1, 7, 10))
    assert [b.rule for b in breaches] == ["public holidays", "public holidays"]
    assert str(breaches[0]) == (
        "Lela Tsereteli (facilitator): Thu 2027-01-07 is a public holiday in GE (Christmas Day)"
    )


def test_busy_time_from_a_feed_is_a_breach_for_its_owner() -> None:
    start = tbilisi(2027, 1, 12, 10)
    busy = Party(
        "c:nino",
        "Asia/Tbilisi",
        "GE",
        busy=((start, start + dt.timedelta(minutes=30)),),
        label="Nino (contact, mia)",
    )
    assert check_slot(round_of(busy), MEETING, start) == [
        RuleBreach(
            "busy time", "Nino (contact, mia)", "is busy then in their calendar (busy-time feed)"
        )
    ]


def test_the_buffer_around_another_meeting_counts() -> None:
    other = booking("spring/round-1/moj", tbilisi(2027, 1, 12, 11, 15), "lela@example.org")
    [breach] = check_slot(round_of(fixed=(other,)), MEETING, tbilisi(2027, 1, 12, 10))
    assert breach.rule == "other meetings"
    assert str(breach) == (
        "Lela Tsereteli (facilitator): has spring/round-1/moj Tue 2027-01-12 11:15-12:15 "
        "Asia/Tbilisi (and 30 minutes' buffer either side)"
    )


def test_a_day_full_of_other_meetings_is_refused_and_the_planner_skips_it() -> None:
    day = [
        booking(f"other/round-1/m{i}", tbilisi(2027, 1, 12, 9 + 2 * i), "lela@example.org")
        for i in range(2)
    ]
    full = round_of(fixed=tuple(day))
    breaches = check_slot(full, MEETING, tbilisi(2027, 1, 12, 16))
    assert [str(b) for b in breaches] == [
        "Lela Tsereteli (facilitator): already has 2 meetings on Tue 2027-01-12, the most they "
        "take a day (max_meetings_per_day: 2)"
    ]
    [found] = candidates(full)
    assert all(full.at(s).astimezone(TBILISI).date() != dt.date(2027, 1, 12) for s in found.starts)


def test_the_lead_time_and_the_window_are_rules_too() -> None:
    now = tbilisi(2027, 1, 4, 15)  # Monday afternoon: Wednesday 09:00 at the earliest
    planned = round_of(now=now, lead_working_days=2)
    [lead] = check_slot(planned, MEETING, tbilisi(2027, 1, 5, 10))[:1]
    assert str(lead) == (
        "Lela Tsereteli (facilitator): the lead time (2 working days after now, "
        "CONSULT_LEAD_WORKING_DAYS) allows no start before Wed 2027-01-06 09:00 Asia/Tbilisi"
    )
    [window] = check_slot(planned, MEETING, tbilisi(2027, 2, 2, 10))
    assert (window.rule, window.party) == ("round window", "")
    assert str(window).startswith("the round's window is 2027-01-04..2027-01-29 (Asia/Tbilisi)")


def test_free_slots_keep_every_rule_and_offer_one_a_day() -> None:
    now = tbilisi(2027, 1, 4, 15)
    planned = round_of(now=now, lead_working_days=2)
    offered = free_slots(planned, MEETING, count=3)
    assert offered == [tbilisi(2027, 1, 6, 9), tbilisi(2027, 1, 8, 9), tbilisi(2027, 1, 11, 9)]
    assert all(check_slot(planned, MEETING, start) == [] for start in offered)
