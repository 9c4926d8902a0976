"""Recurrence expansion is bounded: by the rule's frequency, the window and a count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consult.errors import InvalidFeed
from consult.planning.feeds import MAX_OCCURRENCES, busy_from_ics
from tests.memory import peak_bytes

DECEMBER = (datetime(2026, 12, 14, tzinfo=UTC), datetime(2027, 1, 15, tzinfo=UTC))


def calendar(*lines: str) -> bytes:
    wrapped = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//consult tests//EN", *lines]
    return ("\r\n".join([*wrapped, "END:VCALENDAR"]) + "\r\n").encode()


def repeating(uid: str, dtstart: str, rule: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTART:{dtstart}",
        "DURATION:PT1S",
        f"RRULE:{rule}",
        "END:VEVENT",
    ]


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY"])
def test_a_rule_repeating_by_the_second_or_minute_is_refused_naming_the_event_and_rule(
    frequency: str,
) -> None:
    data = calendar(*repeating("flood", "20261213T000000Z", f"FREQ={frequency}"))

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *DECEMBER, "Asia/Tbilisi")

    assert str(raised.value) == (
        f"event 'flood' repeats RRULE:FREQ={frequency}; consult reads no rule that repeats "
        "more often than hourly"
    )


def test_a_secondly_rule_started_the_day_before_the_window_costs_little_memory() -> None:
    # On the code before the bound this expanded (and cached) 86,400 occurrences a day.
    data = calendar(*repeating("flood", "20261213T000000Z", "FREQ=SECONDLY"))

    assert (
        peak_bytes(lambda: busy_from_ics(data, *DECEMBER, "Asia/Tbilisi"), InvalidFeed) < 5_000_000
    )


def test_an_hourly_rule_with_every_minute_is_refused_past_the_count_of_occurrences() -> None:
    minutes = ",".join(str(minute) for minute in range(60))
    rule = f"FREQ=HOURLY;BYMINUTE={minutes}"
    data = calendar(*repeating("every-minute", "20261101T000000Z", rule))

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *DECEMBER, "Asia/Tbilisi")

    assert str(raised.value) == (
        f"event 'every-minute' repeats RRULE:{rule[:40]}... more than "
        f"{MAX_OCCURRENCES:,} times before 2027-01-16; consult expands at most "
        f"{MAX_OCCURRENCES:,} occurrences of one feed"
    )


def test_the_count_of_occurrences_is_shared_by_every_rule_of_a_feed() -> None:
    # 30 rules of a few thousand occurrences each: each fits the bound, together they do not.
    events = [
        line
        for number in range(30)
        for line in repeating(f"r{number}", "20261101T000000Z", "FREQ=HOURLY;BYMINUTE=0,30")
    ]

    with pytest.raises(InvalidFeed, match=r"more than .* times before 2027-01-16"):
        busy_from_ics(calendar(*events), *DECEMBER, "Asia/Tbilisi")


def test_a_weekly_rule_started_decades_ago_and_a_counted_hourly_one_are_read() -> None:
    data = calendar(
        *repeating("weekly", "19900101T090000Z", "FREQ=WEEKLY"),
        *repeating("counted", "20261214T120000Z", "FREQ=HOURLY;COUNT=3"),
        *repeating("ended", "20000101T000000Z", "FREQ=HOURLY;UNTIL=20000301T000000Z"),
    )

    busy = busy_from_ics(data, *DECEMBER, "Asia/Tbilisi")

    assert len(busy) == 5 + 3


@pytest.mark.parametrize(
    "rule", ["FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2", "FREQ=HOURLY;BYMONTHDAY=-31;BYMONTH=4,6"]
)
def test_a_rule_that_falls_on_no_day_is_refused_before_dateutil_searches_to_year_9999(
    rule: str,
) -> None:
    # On the code before the check this returned no busy time, after dateutil had
    # walked every day (or hour) to the year 9999 looking for one: 10 to 50 s.
    data = calendar(*repeating("never", "20261201T000000Z", rule))

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *DECEMBER, "Asia/Tbilisi")

    assert str(raised.value) == (
        f"event 'never' repeats RRULE:{rule}; its BYMONTHDAY falls on no day of its months"
    )


def test_a_rule_icalendar_cannot_read_is_refused_naming_the_event_not_raised_as_it_is() -> None:
    # The fuzz found it: a broken RRULE is kept by icalendar as a broken property that
    # raises BrokenCalendarProperty on use, which the bounds' check met before dateutil did.
    data = calendar(*repeating("staff", "20261213T090000Z", "FREQ=SEQUENCE:1WEEKLY"))

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *DECEMBER, "Asia/Tbilisi")

    assert str(raised.value).startswith("event 'staff' repeats RRULE:FREQ=SEQUENCE:1WEEKLY")
    assert "a rule that cannot be read" in str(raised.value)
