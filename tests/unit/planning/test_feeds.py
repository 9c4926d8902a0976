"""busy_from_ics: calendar bytes in, busy intervals in UTC out, or one clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from consult.errors import InvalidFeed
from consult.planning.feeds import busy_from_ics

OCTOBER = (datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))


def calendar(*lines: str) -> bytes:
    wrapped = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//consult tests//EN", *lines]
    return ("\r\n".join([*wrapped, "END:VCALENDAR"]) + "\r\n").encode()


def event(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", *lines, "END:VEVENT"]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_weekly_event_keeps_its_local_hour_across_the_change_to_winter_time() -> None:
    data = calendar(
        *event(
            "weekly",
            "DTSTART;TZID=Europe/Bucharest:20261022T093000",
            "DURATION:PT90M",
            "RRULE:FREQ=WEEKLY;COUNT=10",
        )
    )

    assert busy_from_ics(data, *OCTOBER, "Asia/Tbilisi") == (
        (utc(2026, 10, 22, 6, 30), utc(2026, 10, 22, 8)),  # 09:30 EEST
        (utc(2026, 10, 29, 7, 30), utc(2026, 10, 29, 9)),  # 09:30 EET, after 25 October
    )


def test_floating_times_are_read_in_the_owners_time_zone() -> None:
    data = calendar(*event("floating", "DTSTART:20261026T090000", "DTEND:20261026T100000"))

    assert busy_from_ics(data, *OCTOBER, "Asia/Tbilisi") == (
        (utc(2026, 10, 26, 5), utc(2026, 10, 26, 6)),
    )
    assert busy_from_ics(data, *OCTOBER, "Europe/Bucharest") == (
        (utc(2026, 10, 26, 7), utc(2026, 10, 26, 8)),
    )


def test_an_all_day_event_on_the_day_summer_time_ends_lasts_25_hours() -> None:
    data = calendar(*event("day", "DTSTART;VALUE=DATE:20261025"))

    ((start, end),) = busy_from_ics(data, *OCTOBER, "Europe/Bucharest")

    assert (start, end - start) == (utc(2026, 10, 24, 21), timedelta(hours=25))


def test_overlapping_and_touching_events_merge_and_the_window_clips_them() -> None:
    data = calendar(
        *event("before", "DTSTART:20261018T220000Z", "DTEND:20261019T010000Z"),
        *event("a", "DTSTART:20261020T090000Z", "DTEND:20261020T100000Z"),
        *event("b", "DTSTART:20261020T093000Z", "DTEND:20261020T110000Z"),
        *event("c", "DTSTART:20261020T110000Z", "DTEND:20261020T113000Z"),
        *event("after", "DTSTART:20261101T230000Z", "DTEND:20261102T020000Z"),
        *event("outside", "DTSTART:20261105T090000Z", "DTEND:20261105T100000Z"),
        *event("instant", "DTSTART:20261021T090000Z"),
    )

    assert busy_from_ics(data, *OCTOBER, "UTC") == (
        (utc(2026, 10, 19), utc(2026, 10, 19, 1)),
        (utc(2026, 10, 20, 9), utc(2026, 10, 20, 11, 30)),
        (utc(2026, 11, 1, 23), utc(2026, 11, 2)),
    )


def test_busy_periods_of_a_free_busy_feed_count_and_free_ones_do_not() -> None:
    data = calendar(
        "BEGIN:VFREEBUSY",
        "DTSTART:20261019T000000Z",
        "DTEND:20261102T000000Z",
        "FREEBUSY:20261020T090000Z/PT1H,20261020T130000Z/20261020T140000Z",
        "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261021T090000Z/PT30M",
        "FREEBUSY;FBTYPE=FREE:20261022T090000Z/PT8H",
        "END:VFREEBUSY",
    )

    assert busy_from_ics(data, *OCTOBER, "UTC") == (
        (utc(2026, 10, 20, 9), utc(2026, 10, 20, 10)),
        (utc(2026, 10, 20, 13), utc(2026, 10, 20, 14)),
        (utc(2026, 10, 21, 9), utc(2026, 10, 21, 9, 30)),
    )


def test_a_window_in_another_zone_gives_the_same_utc_intervals() -> None:
    tbilisi = timezone(timedelta(hours=4))
    window = (OCTOBER[0].astimezone(tbilisi), OCTOBER[1].astimezone(tbilisi))
    data = calendar(*event("a", "DTSTART:20261020T090000Z", "DTEND:20261020T100000Z"))

    assert busy_from_ics(data, *window, "UTC") == busy_from_ics(data, *OCTOBER, "UTC")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n", "not an iCalendar feed (line 1: '\ufffdPNG')"),
        (b"", "not an iCalendar feed (Found no components where exactly one is required: b'')"),
        (
            calendar("this line is broken"),
            "not an iCalendar feed (line 4: 'this line is broken')",
        ),
        (
            calendar("BEGIN:VEVENT", "UID:x", "END:VTODO"),
            "not an iCalendar feed (line 6: 'END:VTODO' closes nothing)",
        ),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026102",
            "not an iCalendar feed (BEGIN:VEVENT on line 3 is never closed:"
            " is the feed cut short?)",
        ),
        (
            calendar(*event("x", "SUMMARY:no start")),
            "malformed event 'x' (No DTSTART given.)",
        ),
        (
            calendar(*event("x", "DTSTART:tomorrow", "DURATION:PT1H")),
            "malformed event 'x' (Cannot access 'dt' on broken property 'DTSTART'"
            " (expected 'vDDDTypes'): Wrong date format tomorrow)",
        ),
    ],
)
def test_a_malformed_calendar_raises_one_error_saying_where(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *OCTOBER, "UTC")

    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_a_window_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="window_start: 2026-10-19T00:00:00 has no time zone"):
        busy_from_ics(calendar(), datetime(2026, 10, 19), OCTOBER[1], "UTC")


def test_an_unknown_owner_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="owner_timezone: 'Mars/Olympus' is not a known"):
        busy_from_ics(calendar(), *OCTOBER, "Mars/Olympus")


def test_a_bare_carriage_return_after_begin_is_one_error_not_an_attribute_error() -> None:
    # Found by the fuzz: "BEGIN:VCALENDAR\rSEQUENCE:1" parses into a component of another name.
    data = calendar(*event("a", "DTSTART:20261020T100000Z", "DTEND:20261020T110000Z"))
    data = data.replace(b"BEGIN:VCALENDAR\r\n", b"BEGIN:VCALENDAR\rSEQUENCE:1\n", 1)

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *OCTOBER, "UTC")

    assert str(raised.value) == (
        "not an iCalendar feed (its top is 'VCALENDAR\\rSEQUENCE:1', not VCALENDAR)"
    )


def test_a_feed_of_deeply_nested_components_is_refused_before_icalendar_reads_it() -> None:
    # 50,000 nested VEVENTs took icalendar over 2 s and 40 MB; real feeds nest three deep.
    depth = 50_000
    data = calendar(*["BEGIN:VEVENT"] * depth, *["END:VEVENT"] * depth)

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(data, *OCTOBER, "UTC")

    assert str(raised.value) == (
        "not an iCalendar feed (BEGIN:VEVENT on line 11 nests components more than 8 deep)"
    )


def test_a_feed_of_more_components_than_a_busy_calendar_holds_is_refused() -> None:
    # 100,000 events cost icalendar 260 MB and 26 s of CPU; 10,000 are years of a busy calendar.
    events = [
        line
        for number in range(10_001)
        for line in event(str(number), "DTSTART:20261020T090000Z", "DURATION:PT1H")
    ]

    with pytest.raises(InvalidFeed) as raised:
        busy_from_ics(calendar(*events), *OCTOBER, "UTC")

    assert str(raised.value) == (
        "not an iCalendar feed (more than 10,000 components, on line 49999:"
        " export a shorter span of time)"
    )
