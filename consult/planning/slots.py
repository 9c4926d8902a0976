"""Gives the candidate slots of a consultation round: when every party can meet.

A slot is a start time on the round's grid (every `step` minutes in the
training's time zone) at which the whole meeting lies inside the working day of
every party in that party's own time zone, on a working weekday that is not a
public holiday in the party's country, clear of the party's busy time, and no
earlier than the lead time after now allows (`earliest_start`).
Pure: values in, values out; busy time comes from `consult.planning.feeds` beforehand.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays

from schemas.types import WEEKDAYS, WorkingHours

UTC = dt.UTC
Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Party:
    """Someone whose working day a meeting must fit: a facilitator or a consulted contact."""

    id: str
    timezone: str
    country: str
    hours: WorkingHours = field(default_factory=WorkingHours)
    busy: tuple[Interval, ...] = ()
    max_per_day: int | None = None
    person: str = ""
    """Who the party is across trainings: the lower-case email ("" in tests: the id)."""
    label: str = ""
    """How a coordinator names the party, e.g. "Lela Tsereteli (facilitator)" ("": the id)."""

    @property
    def who(self) -> str:
        """Return the key that matches the party's bookings in any training."""
        return self.person or self.id

    @property
    def name(self) -> str:
        """Return the party's name for a person to read."""
        return self.label or self.id


@dataclass(frozen=True)
class Request:
    """A meeting to place: its length, who runs it, who is consulted."""

    id: str
    minutes: int
    facilitators: tuple[str, ...]
    organisation: str
    attendees: tuple[str, ...] = ()
    """Party ids of the consulted side (the organisation's contacts)."""


@dataclass(frozen=True)
class Booking:
    """A meeting that keeps its time: it takes its people's time, with the buffer, and their day."""

    id: str
    start: dt.datetime
    end: dt.datetime
    people: frozenset[str]
    """Who it holds: the `Party.who` of each (lower-case emails)."""


@dataclass(frozen=True)
class Block:
    """A period in which a party cannot be met, and the rule that says so."""

    start: dt.datetime
    end: dt.datetime
    rule: str
    why: str


@dataclass(frozen=True)
class Preferences:
    """What makes one placement better than another, once the most meetings are placed."""

    preferred_days: tuple[str, ...] = ()
    preferred_start: dt.time | None = None
    preferred_end: dt.time | None = None
    earlier_is_better: bool = True
    spread_facilitator_load: bool = True


@dataclass(frozen=True)
class Round:
    """Everything the solver needs about one consultation round."""

    earliest: dt.date
    latest: dt.date
    timezone: str
    step_minutes: int
    buffer_minutes: int
    parties: dict[str, Party]
    requests: tuple[Request, ...]
    preferences: Preferences = field(default_factory=Preferences)
    fixed: tuple[Booking, ...] = ()
    """Meetings that keep their time, in any round of any training (confirmed, or proposed
    in another round): they take their people's time and count toward their day's maximum."""
    now: dt.datetime | None = None
    """When the round is planned: no meeting starts before it plus the lead time. None: no limit."""
    lead_working_days: int = 0
    """How many of each party's working days lie between `now` and the earliest start."""

    @functools.cached_property
    def origin(self) -> dt.datetime:
        """Return the first instant of the round's grid (midnight of `earliest`, training zone)."""
        return dt.datetime.combine(self.earliest, dt.time(), ZoneInfo(self.timezone)).astimezone(
            UTC
        )

    @functools.cached_property
    def horizon(self) -> dt.datetime:
        """Return the instant the round's grid ends (midnight after `latest`, training zone)."""
        day_after = self.latest + dt.timedelta(days=1)
        return dt.datetime.combine(day_after, dt.time(), ZoneInfo(self.timezone)).astimezone(UTC)

    @functools.cached_property
    def booked_days(self) -> dict[str, Counter[dt.date]]:
        """Return, per party with a per-day maximum, its booked meetings on each local day."""
        return {
            party_id: booked_per_day(self, party)
            for party_id, party in self.parties.items()
            if party.max_per_day is not None
        }

    def at(self, index: int) -> dt.datetime:
        """Return the UTC start of grid step `index`."""
        return self.origin + dt.timedelta(minutes=index * self.step_minutes)

    def cells(self, minutes: int) -> int:
        """Return how many grid steps a meeting of `minutes` holds, its buffer included."""
        return math.ceil((minutes + self.buffer_minutes) / self.step_minutes)


@dataclass(frozen=True)
class Candidates:
    """The grid steps at which a request may start, or why there are none."""

    request: Request
    starts: tuple[int, ...]
    reason: str | None = None
    cost: tuple[int, ...] = field(default=(), compare=False)


def working_intervals(party: Party, earliest: dt.date, latest: dt.date) -> list[Interval]:
    """Return the UTC intervals of `party`'s working days from `earliest` to `latest`.

    A day around the window on each side is included, since a party far east or
    west works on another calendar date than the training's time zone.
    """
    first, last = earliest - dt.timedelta(days=1), latest + dt.timedelta(days=1)
    zone = ZoneInfo(party.timezone)
    span = (_midnight(first, zone), _midnight(last + dt.timedelta(days=1), zone))
    return uncovered(span, _working_blocks(party, first, last))


def blocks(round_: Round, party: Party, first: dt.date, last: dt.date) -> list[Block]:
    """Return when `party` cannot be met around `first`..`last`, each period with its rule.

    Every rule one meeting keeps is here, once: weekends and other days off,
    public holidays, the working hours (each in the party's zone, from the day
    before `first` to the day after `last`), busy time from the feeds, the
    meetings that keep their time (with the buffer), the days their per-day
    maximum is reached, and the lead time. The planner's candidate slots are
    what these leave free; a change of time is checked against the same
    periods (`consult.planning.rules.check_slot`).
    """
    found = _working_blocks(party, first - dt.timedelta(days=1), last + dt.timedelta(days=1))
    found += [
        Block(start, end, "busy time", "is busy then in their calendar (busy-time feed)")
        for start, end in party.busy
    ]
    found += _booked_blocks(round_, party)
    found += _full_days(round_, party)
    if round_.now is not None:
        start = earliest_start(party, round_.now, round_.lead_working_days).astimezone(UTC)
        local = start.astimezone(ZoneInfo(party.timezone))
        why = (
            f"the lead time ({round_.lead_working_days} working days after now, "
            f"CONSULT_LEAD_WORKING_DAYS) allows no start before "
            f"{local:%a %Y-%m-%d %H:%M} {party.timezone}"
            if round_.lead_working_days
            else f"no start before now ({local:%a %Y-%m-%d %H:%M} {party.timezone})"
        )
        found.append(Block(_DAWN, start, "lead time", why))
    return found


def _working_blocks(party: Party, first: dt.date, last: dt.date) -> list[Block]:
    """Return the days off, public holidays and hours outside work of `party`, local dates."""
    zone = ZoneInfo(party.timezone)
    days = {WEEKDAYS.index(day) for day in party.hours.days}
    public = _holiday_names(party.country, first.year, last.year)
    hours = f"{party.hours.start:%H:%M}-{party.hours.end:%H:%M} {party.timezone}"
    found = []
    day = first
    while day <= last:
        midnight, next_midnight = _midnight(day, zone), _midnight(day + dt.timedelta(days=1), zone)
        if day.weekday() not in days:
            why = f"{day:%A} is not a working day in {party.timezone}"
            found.append(Block(midnight, next_midnight, "working days", why))
        elif day in public:
            why = f"{day:%a %Y-%m-%d} is a public holiday in {party.country} ({public[day]})"
            found.append(Block(midnight, next_midnight, "public holidays", why))
        else:
            start = dt.datetime.combine(day, party.hours.start, zone).astimezone(UTC)
            end = dt.datetime.combine(day, party.hours.end, zone).astimezone(UTC)
            found.append(Block(midnight, start, "working hours", hours))
            found.append(Block(end, next_midnight, "working hours", hours))
        day += dt.timedelta(days=1)
    return found


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(UTC)


_DAWN = dt.datetime.min.replace(tzinfo=UTC)


def _booked_blocks(round_: Round, party: Party) -> list[Block]:
    """Return the time the meetings that keep theirs take of `party`, the buffer on each side."""
    buffer = dt.timedelta(minutes=round_.buffer_minutes)
    zone = ZoneInfo(party.timezone)
    found = []
    for booking in round_.fixed:
        if party.who not in booking.people:
            continue
        start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
        why = f"has {booking.id} {start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {party.timezone}"
        if round_.buffer_minutes:
            why += f" (and {round_.buffer_minutes} minutes' buffer either side)"
        found.append(Block(booking.start - buffer, booking.end + buffer, "other meetings", why))
    return found


def booked_per_day(round_: Round, party: Party) -> Counter[dt.date]:
    """Return how many meetings that keep their time `party` has on each of its local days."""
    zone = ZoneInfo(party.timezone)
    return Counter(
        booking.start.astimezone(zone).date()
        for booking in round_.fixed
        if party.who in booking.people
    )


def capacity(round_: Round, party_id: str, day: dt.date) -> int | None:
    """Return how many more meetings the party may have on its local `day`; None: no limit."""
    party = round_.parties[party_id]
    if party.max_per_day is None:
        return None
    return max(0, party.max_per_day - round_.booked_days[party_id][day])


def _full_days(round_: Round, party: Party) -> list[Block]:
    """Return the local days on which `party`'s meetings that keep their time reach its maximum."""
    if party.max_per_day is None:
        return []
    zone = ZoneInfo(party.timezone)
    found = []
    for day, count in sorted(booked_per_day(round_, party).items()):
        if count >= party.max_per_day:
            why = (
                f"already has {count} meetings on {day:%a %Y-%m-%d}, the most they take a day "
                f"(max_meetings_per_day: {party.max_per_day})"
            )
            found.append(
                Block(
                    _midnight(day, zone),
                    _midnight(day + dt.timedelta(days=1), zone),
                    "per-day maximum",
                    why,
                )
            )
    return found


def earliest_start(party: Party, now: dt.datetime, lead_working_days: int) -> dt.datetime:
    """Return the first instant `party` may be met at, planning at `now`.

    That is the start of the party's working day `lead_working_days` working
    days after the day of `now` (both in the party's zone; weekends and public
    holidays of the party's country do not count), or `now` itself when the
    lead time is 0. Tuesday 15:00 with 2 working days gives Thursday 09:00.
    """
    if lead_working_days == 0:
        return now
    zone = ZoneInfo(party.timezone)
    days = {WEEKDAYS.index(day) for day in party.hours.days}
    day = now.astimezone(zone).date()
    counted = 0
    while counted < lead_working_days:
        day += dt.timedelta(days=1)
        if day.weekday() in days and day not in _holidays(party.country, day.year, day.year):
            counted += 1
    return max(now, dt.datetime.combine(day, party.hours.start, zone))


def not_before(round_: Round, request: Request) -> dt.datetime | None:
    """Return the earliest start the lead time allows `request`: the latest of its parties'."""
    if round_.now is None:
        return None
    return max(
        earliest_start(round_.parties[p], round_.now, round_.lead_working_days).astimezone(UTC)
        for p in (*request.facilitators, *request.attendees)
    )


@functools.cache
def _holiday_names(country: str, first: int, last: int) -> dict[dt.date, str]:
    try:
        found = holidays.country_holidays(country, years=range(first, last + 1))
    except NotImplementedError:
        return {}
    return {day: str(name) for day, name in found.items()}


def _holidays(country: str, first: int, last: int) -> frozenset[dt.date]:
    return frozenset(_holiday_names(country, first, last))


def uncovered(span: Interval, covered: Iterable[Block]) -> list[Interval]:
    """Return the parts of `span` that no block covers, in order."""
    result = []
    cursor, end = span
    for block in sorted(covered, key=lambda b: b.start):
        if block.start > cursor:
            result.append((cursor, min(block.start, end)))
        cursor = max(cursor, block.end)
        if cursor >= end:
            break
    if cursor < end:
        result.append((cursor, end))
    return [(a, b) for a, b in result if a < b]


def intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    """Return the intervals in both sorted, disjoint lists."""
    result = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def free_time(round_: Round, party: Party) -> list[Interval]:
    """Return when `party` can be met within the round's window: what its blocks leave free."""
    return uncovered(
        (round_.origin, round_.horizon), blocks(round_, party, round_.earliest, round_.latest)
    )


def candidates(round_: Round) -> list[Candidates]:
    """Return, for each request of the round, its possible starts and their costs."""
    cache: dict[str, list[Interval]] = {}

    def free(party_id: str) -> list[Interval]:
        if party_id not in cache:
            cache[party_id] = free_time(round_, round_.parties[party_id])
        return cache[party_id]

    window = [(round_.origin, round_.horizon)]
    found = []
    for request in round_.requests:
        common = window
        for party_id in (*request.facilitators, *request.attendees):
            common = intersect(common, free(party_id))
        starts = _grid_starts(common, request.minutes, round_)
        if not starts:
            found.append(Candidates(request, (), explain(request, round_)))
            continue
        costs = tuple(cost(round_, s, request.minutes) for s in starts)
        found.append(Candidates(request, starts, None, costs))
    return found


def _grid_starts(intervals: Sequence[Interval], minutes: int, round_: Round) -> tuple[int, ...]:
    step = dt.timedelta(minutes=round_.step_minutes)
    length = dt.timedelta(minutes=minutes)
    starts = []
    for start, end in intervals:
        index = math.ceil((start - round_.origin) / step)
        while round_.at(index) + length <= end:
            if round_.at(index) >= round_.origin and round_.at(index) + length <= round_.horizon:
                starts.append(index)
            index += 1
    return tuple(starts)


def cost(round_: Round, index: int, minutes: int) -> int:
    """Return how much a meeting at grid step `index` goes against the round's preferences.

    One point per day after the round's first day (when earlier is better), ten
    points for a day not among the preferred days, ten for a start before the
    preferred start, ten for an end after the preferred end (training's time zone).
    """
    preferences = round_.preferences
    local = round_.at(index).astimezone(ZoneInfo(round_.timezone))
    points = (local.date() - round_.earliest).days if preferences.earlier_is_better else 0
    if preferences.preferred_days and WEEKDAYS[local.weekday()] not in preferences.preferred_days:
        points += 10
    if preferences.preferred_start and local.time() < preferences.preferred_start:
        points += 10
    end = (local + dt.timedelta(minutes=minutes)).time()
    if preferences.preferred_end and (end > preferences.preferred_end or end == dt.time()):
        points += 10
    return points


def local_day(round_: Round, party: Party, index: int) -> dt.date:
    """Return the date, in `party`'s time zone, of grid step `index`."""
    return round_.at(index).astimezone(ZoneInfo(party.timezone)).date()


def explain(request: Request, round_: Round) -> str:
    """Return why `request` has no candidate slot, in the words a coordinator uses."""
    window = f"{round_.earliest.isoformat()}..{round_.latest.isoformat()}"
    parties = [round_.parties[p] for p in (*request.facilitators, *request.attendees)]
    zones = sorted({p.timezone for p in parties})
    span = [(round_.origin, round_.horizon)]

    def hours_only(party: Party) -> list[Interval]:
        everyday = Party(
            party.id,
            party.timezone,
            "",
            WorkingHours(days=WEEKDAYS, start=party.hours.start, end=party.hours.end),
        )
        return working_intervals(everyday, round_.earliest, round_.latest)

    def longest(intervals: Sequence[Interval]) -> dt.timedelta:
        return max((end - start for start, end in intervals), default=dt.timedelta())

    common = span
    for party in parties:
        common = intersect(common, hours_only(party))
    if not common:
        return f"no common working hours between {' and '.join(zones)} within {window}"
    if longest(common) < dt.timedelta(minutes=request.minutes):
        return (
            f"the {request.minutes}-minute meeting is longer than the common working day "
            f"of {' and '.join(zones)} ({_minutes(longest(common))} minutes)"
        )
    working = span
    for party in parties:
        working = intersect(working, working_intervals(party, round_.earliest, round_.latest))
    if not _grid_starts(working, request.minutes, round_):
        countries = sorted({p.country for p in parties})
        return (
            f"every day within {window} is a weekend, a day off or a public holiday "
            f"for someone (holidays of {', '.join(countries)})"
        )
    start = not_before(round_, request)
    if start is not None and not _grid_starts(
        intersect(working, [(start, round_.horizon)]), request.minutes, round_
    ):
        local = start.astimezone(ZoneInfo(round_.timezone))
        return (
            f"the lead time ({round_.lead_working_days} working days after now) leaves no "
            f"common working day within {window}: the earliest start is "
            f"{local:%a %Y-%m-%d %H:%M} {round_.timezone}"
        )
    busy_names = [p.id for p in parties if p.busy]
    if busy_names:
        return f"the busy time of {', '.join(busy_names)} fills every common slot within {window}"
    return (
        "meetings already confirmed (or proposed in other rounds) and the facilitators' "
        f"maximum meetings a day fill every common slot within {window}"
    )


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)
