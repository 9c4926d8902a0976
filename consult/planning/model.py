"""The integer programme of a round's assignment: its columns, rows and bounds.

A column counts the meetings of a class placed at one start. Meetings that
are interchangeable (same facilitators, length, candidate slots, and an
organisation that has no other meeting) form one class, which keeps a round
of hundreds of meetings small. The rows: each meeting at most once; no
facilitator and no organisation in two meetings whose times, plus the buffer,
overlap; at most `max_per_day` meetings a facilitator's day; and, when the
load is spread, one column per facilitator bounding each of their days from
above, the busiest day, which the objective weighs by `SPREAD_WEIGHT`.

The objective is lexicographic, written as one weighted sum: each placed
meeting is worth more than the largest total cost any assignment can have, so
no saving in cost ever outweighs a meeting. When the greedy assignment places
every meeting, the first goal is met already: every meeting must be placed,
and only the cost is minimised, without the weight.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from consult.planning.assignment import SPREAD_WEIGHT
from consult.planning.slots import Candidates, Round, capacity, cost, local_day

Row = list[tuple[int, float]]
"""A row of the programme: (column, coefficient) pairs."""
Days = dict[tuple[str, dt.date], list[int]]
"""The columns that fall on each (facilitator, local day)."""


@dataclass(frozen=True)
class Class:
    """Interchangeable meetings: one count per start stands for all of them."""

    requests: tuple[str, ...]
    facilitators: tuple[str, ...]
    organisation: str | None
    """None when the organisation has no other meeting, so cannot overlap itself."""
    cells: int
    starts: tuple[int, ...]
    minutes: int


@dataclass(frozen=True)
class Model:
    """Minimise costs·x subject to lower ≤ rows·x ≤ upper, the first `integers` columns integer."""

    costs: NDArray[np.float64]
    rows: list[Row]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    column_lower: NDArray[np.float64]
    column_upper: NDArray[np.float64]
    integers: int


@dataclass(frozen=True)
class Programme:
    """A round's model, what its columns stand for, and what its objective leaves out."""

    model: Model
    classes: Sequence[Class]
    columns: Sequence[tuple[int, int]]
    """The (class, start) of each integer column."""
    worth: float
    """What each placed meeting takes off the objective: 0 when every meeting must be placed."""
    constant: int
    """The busiest-day cost of the facilitators whose busiest day is forced."""

    def starts(self, x: NDArray[np.float64]) -> dict[str, int | None]:
        """Return the grid start of each request placed by the solution `x`."""
        values = np.round(x[: len(self.columns)]).astype(int)
        taken: dict[int, list[int]] = defaultdict(list)
        for j, (k, s) in enumerate(self.columns):
            taken[k].extend([s] * int(values[j]))
        found: dict[str, int | None] = {}
        for k, c in enumerate(self.classes):
            for request_id, start in zip(c.requests, sorted(taken[k]), strict=False):
                found[request_id] = start
        return found


@dataclass
class _Rows:
    rows: list[Row] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, entries: Row, bound: float, floor: float = -np.inf) -> None:
        self.rows.append(entries)
        self.lower.append(floor)
        self.upper.append(bound)


def group(round_: Round, options: Sequence[Candidates]) -> list[Class]:
    """Return the classes of interchangeable meetings among those with a candidate start."""
    meetings_of = Counter(c.request.organisation for c in options if c.starts)
    groups: dict[tuple[tuple[str, ...], str | None, int, tuple[int, ...]], list[str]] = defaultdict(
        list
    )
    for option in options:
        if not option.starts:
            continue
        r = option.request
        organisation = r.organisation if meetings_of[r.organisation] > 1 else None
        key = (tuple(sorted(r.facilitators)), organisation, r.minutes, option.starts)
        groups[key].append(r.id)
    return [
        Class(
            requests=tuple(sorted(ids)),
            facilitators=facilitators,
            organisation=organisation,
            cells=round_.cells(minutes),
            starts=starts,
            minutes=minutes,
        )
        for (facilitators, organisation, minutes, starts), ids in groups.items()
    ]


def build(round_: Round, classes: Sequence[Class], least: int) -> Programme:
    """Return the programme of `classes`, placing at least `least` meetings.

    `least` is what a greedy assignment places: when that is every meeting,
    all must be placed and the objective is the cost alone.
    """
    columns = [(k, s) for k, c in enumerate(classes) for s in c.starts]
    everyone = least == sum(len(c.requests) for c in classes)
    spread = round_.preferences.spread_facilitator_load
    rows = _Rows()
    _add_counts(rows, classes, columns, least, everyone)
    _add_overlaps(rows, classes, columns)
    days = _days(round_, classes, columns)
    _add_day_limits(rows, round_, days)
    # A facilitator whose busiest day is forced to its `max_per_day` adds a constant.
    floors = _busiest_floor(classes, days) if everyone and spread else {}
    settled = {f: floor for f, floor in floors.items() if floor == round_.parties[f].max_per_day}
    loaded = sorted({f for c in classes for f in c.facilitators} - set(settled)) if spread else []
    _add_busiest_days(rows, days, loaded, len(columns))

    costs = np.array([cost(round_, s, classes[k].minutes) for k, s in columns], dtype=float)
    # One more meeting placed must outweigh any saving in cost: W exceeds the
    # largest total cost any assignment can have. Not needed when all must be placed.
    worth = (
        0.0
        if everyone
        else float(costs.max()) * len(round_.requests)
        + SPREAD_WEIGHT * len(loaded) * len(round_.requests)
        + 1
    )
    meetings = Counter(f for c in classes for f in c.facilitators for _ in c.requests)
    model = Model(
        np.concatenate([costs - worth, np.full(len(loaded), SPREAD_WEIGHT)]),
        rows.rows,
        np.array(rows.lower),
        np.array(rows.upper),
        np.concatenate([np.zeros(len(columns)), [floors.get(f, 0) for f in loaded]]),
        # Every meeting has a facilitator, so two meetings never start at the same
        # step of one class: each count is 0 or 1. A busiest day holds at most all
        # of the facilitator's meetings.
        np.concatenate([np.ones(len(columns)), [float(meetings[f]) for f in loaded]]),
        len(columns),
    )
    return Programme(model, classes, columns, worth, SPREAD_WEIGHT * sum(settled.values()))


def _add_counts(
    rows: _Rows,
    classes: Sequence[Class],
    columns: Sequence[tuple[int, int]],
    least: int,
    everyone: bool,
) -> None:
    """Add the rows placing each meeting at most once, and at least `least` of them in all."""
    by_class: dict[int, list[int]] = defaultdict(list)
    for j, (k, _) in enumerate(columns):
        by_class[k].append(j)
    for k, js in by_class.items():
        count = len(classes[k].requests)
        rows.add([(j, 1.0) for j in js], count, count if everyone else -np.inf)
    if not everyone:
        rows.add([(j, 1.0) for j in range(len(columns))], np.inf, least)


def _add_overlaps(
    rows: _Rows, classes: Sequence[Class], columns: Sequence[tuple[int, int]]
) -> None:
    """Add the rows keeping anybody out of two overlapping meetings."""
    # At each grid step, at most one meeting holds a facilitator or an organisation.
    holders: dict[tuple[str, int], list[int]] = defaultdict(list)
    for j, (k, s) in enumerate(columns):
        c = classes[k]
        who = [*c.facilitators, *([f"org:{c.organisation}"] if c.organisation else [])]
        for w in who:
            for t in range(s, s + c.cells):
                holders[w, t].append(j)
    for js in holders.values():
        if len(js) > 1:
            rows.add([(j, 1.0) for j in js], 1)


def _days(round_: Round, classes: Sequence[Class], columns: Sequence[tuple[int, int]]) -> Days:
    days: Days = defaultdict(list)
    for j, (k, s) in enumerate(columns):
        for f in classes[k].facilitators:
            days[f, local_day(round_, round_.parties[f], s)].append(j)
    return days


def _add_day_limits(rows: _Rows, round_: Round, days: Days) -> None:
    """Add the rows keeping each facilitator's day within their `max_per_day`.

    Meetings that keep their time (in any round or training) count toward it.
    """
    for (f, day), js in days.items():
        limit = capacity(round_, f, day)
        if limit is not None and len(js) > limit:
            rows.add([(j, 1.0) for j in js], limit)


def _add_busiest_days(rows: _Rows, days: Days, loaded: Sequence[str], first: int) -> None:
    """Add the rows bounding each day of a `loaded` facilitator by their busiest-day column.

    The busiest-day columns follow the integer ones, from column `first`, in
    the order of `loaded`.
    """
    column = {f: first + i for i, f in enumerate(loaded)}
    for (f, _), js in days.items():
        if f in column:
            rows.add([*((j, 1.0) for j in js), (column[f], -1.0)], 0)


def _busiest_floor(
    classes: Sequence[Class], days: Mapping[tuple[str, dt.date], list[int]]
) -> dict[str, int]:
    """Return, per facilitator, a floor on their busiest day's meetings when all are placed.

    A facilitator's meetings, spread over the days they have slots on, put at
    least ⌈meetings / days⌉ on one of them. The rows imply the fraction; the
    rounding up is what helped HiGHS find good schedules early when the
    programme was solved in one step (300 meetings, 20 s: cost 6,052 with it,
    no better than greedy without). A floor of 1 says nothing an integer
    schedule does not, and slowed 20 meetings from 1.1-1.5 s to 2.7-3.8 s, so
    it is left out.

    When the floor is the facilitator's `max_per_day`, their busiest day is
    exactly that in every schedule placing all meetings (no fewer by the
    count, no more by the rule), so the caller adds it as a constant instead
    of a variable and a row per day.
    """
    meetings = Counter(f for c in classes for f in c.facilitators for _ in c.requests)
    open_days = Counter(f for f, _ in days)
    floors = {f: math.ceil(meetings[f] / open_days[f]) for f in open_days}
    return {f: floor for f, floor in floors.items() if floor > 1}
