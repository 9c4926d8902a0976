"""Candidate slots: working days in every party's own zone, DST, holidays, busy time, reasons."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from consult.planning.slots import (
    Booking,
    Party,
    Request,
    Round,
    candidates,
    working_intervals,
)
from schemas.types import WorkingHours

UTC = dt.UTC
TBILISI = ZoneInfo("Asia/Tbilisi")


def party(id: str, zone: str, country: str, start: int = 9, end: int = 18, **kw: object) -> Party:
    return Party(id, zone, country, WorkingHours(start=dt.time(start), end=dt.time(end)), **kw)  # type: ignore[arg-type]


def round_of(
    parties: list[Party], requests: list[Request], earliest: dt.date, latest: dt.date, **kw: object
) -> Round:
    return Round(
        earliest,
        latest,
        "Asia/Tbilisi",
        kw.pop("step", 30),
        kw.pop("buffer", 30),  # type: ignore[arg-type]
        {p.id: p for p in parties},
        tuple(requests),
        **kw,
    )  # type: ignore[arg-type]


def starts_of(round_: Round) -> list[dt.datetime]:
    [found] = candidates(round_)
    return [round_.at(i) for i in found.starts]


def by_day(starts: list[dt.datetime]) -> dict[dt.date, list[dt.datetime]]:
    days: dict[dt.date, list[dt.datetime]] = {}
    for start in starts:
        days.setdefault(start.astimezone(TBILISI).date(), []).append(start)
    return days


def test_both_facilitators_stay_inside_their_day_across_the_dst_change() -> None:
    # Bucharest moves to summer time on 2027-03-28; Tbilisi keeps UTC+4 all year.
    bucharest = party("ana", "Europe/Bucharest", "RO", 9, 17)
    tbilisi = party("lev", "Asia/Tbilisi", "GE", 9, 18)
    meeting = Request("m", 60, ("ana", "lev"), "mia")
    days = by_day(
        starts_of(
            round_of([bucharest, tbilisi], [meeting], dt.date(2027, 3, 26), dt.date(2027, 3, 29))
        )
    )
    friday, monday = days[dt.date(2027, 3, 26)], days[dt.date(2027, 3, 29)]
    # before: Bucharest 09:00 is 07:00 UTC; Tbilisi 18:00 is 14:00 UTC
    assert (friday[0], friday[-1]) == (
        dt.datetime(2027, 3, 26, 7, tzinfo=UTC),
        dt.datetime(2027, 3, 26, 13, tzinfo=UTC),
    )
    # after: Bucharest 09:00 is 06:00 UTC
    assert (monday[0], monday[-1]) == (
        dt.datetime(2027, 3, 29, 6, tzinfo=UTC),
        dt.datetime(2027, 3, 29, 13, tzinfo=UTC),
    )


def test_weekends_are_skipped() -> None:
    days = by_day(
        starts_of(
            round_of(
                [party("lev", "Asia/Tbilisi", "GE")],
                [Request("m", 60, ("lev",), "mia")],
                dt.date(2027, 3, 12),
                dt.date(2027, 3, 15),
            )
        )
    )
    assert sorted(days) == [dt.date(2027, 3, 12), dt.date(2027, 3, 15)]


def test_georgian_public_holidays_are_skipped_for_georgian_parties_only() -> None:
    # 26 May is Georgia's Independence Day, a working Wednesday in Romania.
    window = (dt.date(2027, 5, 25), dt.date(2027, 5, 27))
    georgian = by_day(
        starts_of(
            round_of(
                [party("lev", "Asia/Tbilisi", "GE")], [Request("m", 60, ("lev",), "mia")], *window
            )
        )
    )
    romanian = by_day(
        starts_of(
            round_of(
                [party("ana", "Europe/Bucharest", "RO")],
                [Request("m", 60, ("ana",), "mia")],
                *window,
            )
        )
    )
    assert dt.date(2027, 5, 26) not in georgian
    assert dt.date(2027, 5, 26) in romanian


def test_orthodox_easter_monday_and_9_april_are_georgian_holidays() -> None:
    intervals = working_intervals(
        party("lev", "Asia/Tbilisi", "GE"), dt.date(2027, 4, 5), dt.date(2027, 5, 7)
    )
    worked = {start.astimezone(TBILISI).date() for start, _ in intervals}
    assert dt.date(2027, 4, 9) not in worked
    assert dt.date(2027, 5, 3) not in worked
    assert dt.date(2027, 4, 8) in worked


def test_a_meeting_ends_inside_the_working_day() -> None:
    days = by_day(
        starts_of(
            round_of(
                [party("lev", "Asia/Tbilisi", "GE")],
                [Request("m", 90, ("lev",), "mia")],
                dt.date(2027, 3, 10),
                dt.date(2027, 3, 10),
            )
        )
    )
    last = days[dt.date(2027, 3, 10)][-1]
    assert last.astimezone(TBILISI).time() == dt.time(16, 30)


def test_busy_time_is_taken_out() -> None:
    busy = (dt.datetime(2027, 3, 10, 6, tzinfo=UTC), dt.datetime(2027, 3, 10, 12, tzinfo=UTC))
    lev = party("lev", "Asia/Tbilisi", "GE", busy=(busy,))
    starts = starts_of(
        round_of(
            [lev], [Request("m", 60, ("lev",), "mia")], dt.date(2027, 3, 10), dt.date(2027, 3, 10)
        )
    )
    assert starts[0] == dt.datetime(
        2027, 3, 10, 5, tzinfo=UTC
    )  # 09:00 Tbilisi, before the busy time
    assert all(not (busy[0] - dt.timedelta(hours=1) < s < busy[1]) for s in starts)
    assert dt.datetime(2027, 3, 10, 12, tzinfo=UTC) in starts


def test_a_contact_in_new_york_shares_no_hours_with_tbilisi() -> None:
    round_ = round_of(
        [party("lev", "Asia/Tbilisi", "GE", 9, 17), party("c", "America/New_York", "US", 9, 17)],
        [Request("m", 60, ("lev",), "un", ("c",))],
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 30),
    )
    [found] = candidates(round_)
    assert found.starts == ()
    assert found.reason == (
        "no common working hours between America/New_York and Asia/Tbilisi "
        "within 2026-09-01..2026-09-30"
    )


def test_a_meeting_longer_than_the_common_day_says_so() -> None:
    round_ = round_of(
        [party("ana", "Europe/Bucharest", "RO", 9, 17), party("lev", "Asia/Tbilisi", "GE", 9, 18)],
        [Request("m", 480, ("ana", "lev"), "mia")],
        dt.date(2027, 3, 10),
        dt.date(2027, 3, 12),
    )
    [found] = candidates(round_)
    assert found.reason == (
        "the 480-minute meeting is longer than the common working day of "
        "Asia/Tbilisi and Europe/Bucharest (420 minutes)"
    )


def test_a_window_of_holidays_says_so() -> None:
    round_ = round_of(
        [party("lev", "Asia/Tbilisi", "GE")],
        [Request("m", 60, ("lev",), "mia")],
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 3),
    )
    [found] = candidates(round_)
    assert found.reason == (
        "every day within 2027-01-01..2027-01-03 is a weekend, a day off or "
        "a public holiday for someone (holidays of GE)"
    )


def test_a_full_busy_feed_is_named() -> None:
    busy = (dt.datetime(2027, 3, 10, tzinfo=UTC), dt.datetime(2027, 3, 11, tzinfo=UTC))
    round_ = round_of(
        [party("lev", "Asia/Tbilisi", "GE", busy=(busy,))],
        [Request("m", 60, ("lev",), "mia")],
        dt.date(2027, 3, 10),
        dt.date(2027, 3, 10),
    )
    [found] = candidates(round_)
    assert (
        found.reason == "the busy time of lev fills every common slot within 2027-03-10..2027-03-10"
    )


def test_a_confirmed_meeting_takes_its_parties_time_with_the_buffer() -> None:
    lev = party("lev", "Asia/Tbilisi", "GE")
    at = dt.datetime(2027, 3, 10, 6, tzinfo=UTC)  # 10:00-11:00 Tbilisi
    confirmed = Booking("kept", at, at + dt.timedelta(hours=1), frozenset({"lev"}))
    round_ = round_of(
        [lev],
        [Request("m", 60, ("lev",), "mia")],
        dt.date(2027, 3, 10),
        dt.date(2027, 3, 10),
        fixed=(confirmed,),
    )
    starts = starts_of(round_)
    assert dt.datetime(2027, 3, 10, 5, tzinfo=UTC) not in starts  # would end at 10:00, no buffer
    assert dt.datetime(2027, 3, 10, 7, 30, tzinfo=UTC) in starts  # 11:30, after the buffer
    assert dt.datetime(2027, 3, 10, 7, tzinfo=UTC) not in starts
