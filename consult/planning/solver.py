"""Gives each meeting of a round a slot: the most meetings possible, then the best placement.

The assignment is an integer programme solved exactly by HiGHS (through
highspy, with a zero optimality gap). Its objective is
lexicographic, written as one weighted sum:

1. first, the number of meetings placed, as large as possible, subject to:
   each meeting at most once; no facilitator and no organisation in two
   meetings whose times, plus the buffer, overlap; at most `max_per_day`
   meetings a facilitator's day;
2. then the sum of the slot costs (`consult.planning.slots.cost`) plus, when
   asked, `SPREAD_WEIGHT` times each facilitator's busiest day (so the load
   spreads over days), as small as possible.

Each placed meeting is worth more than the largest total cost any assignment
can have, so no saving in cost ever outweighs a meeting. (Two stages, max
count then min cost under a cardinality constraint, give the same optimum
and were ten times slower here.) Two greedy assignments run first, first-fit
and cheapest-fit: the optimum places at least as many meetings as the better
one, which the programme is told; and when that one places every meeting,
the first goal is met already, so every meeting must be placed and only the
cost is minimised, without the weight. The solver's bounds are then about the
cost from the start: in 20 s on the benchmark's 300 meetings it proves that no
schedule costs less than 5,875, where the weighted programme proved nothing
of use and its best schedule placed fewer meetings than first-fit.

Meetings that are interchangeable (same facilitators, length, candidate slots,
and an organisation that has no other meeting) form one class with an integer
count per slot, which keeps a round of hundreds of meetings small.

HiGHS is not given the whole programme at once. Its linear relaxation is
solved first, which gives a lower bound D and, per start, a reduced cost d:
any assignment using that start costs at least D + d. The programme
restricted to the starts with d ≤ 1 (5-25% of them: 362 of 7,475 for 20
meetings, 8,119 of 34,170 for 300) is solved next, with 60% of the time
limit, for a good schedule of cost U; then the full programme is solved
without the starts whose D + d exceeds U, since none of those can take part
in a better schedule, with the restricted schedule to start from (and not at
all when the restricted optimum already is the optimum: costs are whole, so a
better schedule would use only starts with d ≤ U - 1 - D ≤ 1). Both steps
are exact: the bound is computed here from the relaxation's row duals, so it
holds however accurate they are.

Measured on the benchmark (20 s limit), against the programme solved in one
go: 20 meetings proven optimal in 0.45 s instead of 0.86 s; 50 in 2.0-2.2 s
instead of 7.3-8.8 s (the last step keeps 3,463 of 14,261 starts); 100
meetings cost 924 with a proven bound of 919-920 instead of 1,170 and 919;
300 meetings 5,909 and 5,874 instead of 6,052 and 5,877. The share matters
on 300: with 30% for the restricted programme its best schedule was 5,999,
with 60-75% 5,908-5,909, the bound ending 1-5 lower for the time taken from
the full programme. The relaxation is solved by simplex up to 20,000 starts
(20 meetings: 0.05 s against 0.30 s by interior point; 50: 0.16 against
0.64 s) and by interior point, without crossover, above (300: 2.4 s against
4.1 s). On 100 meetings (23,736 starts) simplex is faster too, 0.76 against
1.15 s, but the reduced costs of its vertex gave a restricted programme
whose best schedule was 970, against 924 with the interior point's.

What it does not do is prove the optimum of 100 or 300 meetings: the
relaxation is within 0.7% of the best schedules found (917.5 against 924,
5,870 against 5,904) but the branching does not close that gap. Even the
restricted programme of 100 meetings, 1,737 starts after presolve, was not
solved in 90 s (bound 921, best 924); fixing each busiest day at
`max_per_day` did not help, nor did HiGHS's symmetry detection or a larger
heuristic effort. Nor would whole days of a facilitator as columns (branch
and price): an extended formulation whose relaxation is exactly that bound (per
facilitator and day, a flow through (grid step, meetings so far), each path one
feasible day) gave the same bound as this one at 50, 100 and 300 meetings. The
relaxation's days are already mixtures of feasible days; its gap lies in how
meetings are shared out between days, which only branching closes. What makes
that hard is the mix of lengths, then the meetings run by two facilitators:
the benchmark's 300 meetings are proven optimal in about 1.3 s when all last
90 minutes, and in about 12 s when each has one facilitator.

When a facilitator's busiest day is forced to their `max_per_day` (see
`_busiest_floor`; the benchmark's 300 meetings, about 100 a facilitator over
27-30 days at 4 a day), it is added as a constant, without a variable or the
rows of each day.

`objective` computes the same two numbers for any assignment, so the tests can
check the solver against exhaustive search. Should the time limit stop the
solver before it proves the optimum, the best of its best assignment and
the two greedy ones is returned, marked `optimal=False`, with the lower bound on
the cost that the solver did prove, when it proved one.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from highspy import (
    HighsLp,
    HighsModelStatus,
    HighsSolution,
    HighsVarType,
    MatrixFormat,
    kSolutionStatusFeasible,
)

# The public highspy.Highs calls into HiGHS from its constructor, before output can
# be switched off, and HiGHS then prints its banner on the process's standard output.
from highspy._core import _Highs
from numpy.typing import NDArray

from consult.planning.slots import Candidates, Request, Round, cost, local_day

SPREAD_WEIGHT = 5
TIME_LIMIT = 60.0


@dataclass(frozen=True)
class Placement:
    """A meeting placed at a start (UTC), or left out with the reason."""

    request_id: str
    start: dt.datetime | None
    end: dt.datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class Assignment:
    """The solver's answer: a placement per request, how many were placed, and the cost."""

    placements: tuple[Placement, ...]
    placed: int
    cost: int
    optimal: bool
    """False when the time limit stopped the solver before it proved the optimum."""
    bound: int | None = None
    """A proven lower bound on the cost of any assignment placing as many meetings.

    Equal to `cost` when optimal; None when the solver did not prove that no
    assignment places more meetings.
    """

    def by_request(self) -> dict[str, Placement]:
        """Return the placements keyed by request id."""
        return {p.request_id: p for p in self.placements}


def objective(round_: Round, starts: Mapping[str, int | None]) -> tuple[int, int]:
    """Return (meetings placed, cost) of an assignment of grid starts to request ids."""
    placed = [(r, starts[r.id]) for r in round_.requests if starts.get(r.id) is not None]
    total = sum(cost(round_, s, r.minutes) for r, s in placed if s is not None)
    if round_.preferences.spread_facilitator_load:
        loads: Counter[tuple[str, dt.date]] = Counter()
        for request, start in placed:
            assert start is not None
            for f in request.facilitators:
                loads[f, local_day(round_, round_.parties[f], start)] += 1
        busiest: dict[str, int] = defaultdict(int)
        for (f, _), n in loads.items():
            busiest[f] = max(busiest[f], n)
        total += SPREAD_WEIGHT * sum(busiest.values())
    return len(placed), total


def feasible(
    round_: Round, starts: Mapping[str, int | None], options: Sequence[Candidates]
) -> bool:
    """Tell whether an assignment keeps every rule of the round."""
    allowed = {c.request.id: set(c.starts) for c in options}
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    per_day: Counter[tuple[str, dt.date]] = Counter()
    for request in round_.requests:
        start = starts.get(request.id)
        if start is None:
            continue
        if start not in allowed[request.id]:
            return False
        span = (start, start + round_.cells(request.minutes))
        for who in (*request.facilitators, f"org:{request.organisation}"):
            if any(a < span[1] and span[0] < b for a, b in busy[who]):
                return False
            busy[who].append(span)
        for f in request.facilitators:
            party = round_.parties[f]
            per_day[f, local_day(round_, party, start)] += 1
            if party.max_per_day is not None and per_day[f, local_day(round_, party, start)] > (
                party.max_per_day
            ):
                return False
    return True


def exhaustive(round_: Round, options: Sequence[Candidates]) -> tuple[int, int]:
    """Return the best (placed, cost) over every feasible assignment, by backtracking.

    Exponential: the reference the solver is checked against on small rounds.
    """
    best = (0, 0)
    chosen: dict[str, int | None] = {}

    def visit(k: int) -> None:
        nonlocal best
        if k == len(options):
            placed, total = objective(round_, chosen)
            if placed > best[0] or (placed == best[0] and total < best[1]):
                best = (placed, total)
            return
        request_id = options[k].request.id
        for start in (None, *options[k].starts):
            chosen[request_id] = start
            if feasible(round_, chosen, options):
                visit(k + 1)
        del chosen[request_id]

    visit(0)
    return best


def first_fit(round_: Round, options: Sequence[Candidates]) -> dict[str, int | None]:
    """Return the greedy assignment: each meeting, in order, at its first free start.

    Fast and often good, never proven: the baseline of the benchmark.
    """
    return _fit(round_, [(option.request, option.starts) for option in options])


def cheapest_fit(round_: Round, options: Sequence[Candidates]) -> dict[str, int | None]:
    """Return the greedy assignment: each meeting, in order, at its cheapest free start.

    The fallback, with first-fit, when the solver's time limit comes before a
    better assignment: it costs less than first-fit in the benchmark's rounds.
    """
    ranked = []
    for option in options:
        costs = option.cost or tuple(cost(round_, s, option.request.minutes) for s in option.starts)
        order = sorted(zip(costs, option.starts, strict=True))
        ranked.append((option.request, tuple(start for _, start in order)))
    return _fit(round_, ranked)


def _fit(
    round_: Round, options: Sequence[tuple[Request, tuple[int, ...]]]
) -> dict[str, int | None]:
    held: dict[str, set[int]] = defaultdict(set)
    per_day: Counter[tuple[str, dt.date]] = Counter()
    starts: dict[str, int | None] = {}
    for request, ordered in options:
        holders = [*request.facilitators, f"org:{request.organisation}"]
        cells = round_.cells(request.minutes)
        starts[request.id] = None
        for start in ordered:
            span = set(range(start, start + cells))
            days = [(f, local_day(round_, round_.parties[f], start)) for f in request.facilitators]
            if any(held[h] & span for h in holders):
                continue
            if any(
                round_.parties[f].max_per_day is not None
                and per_day[f, day] >= (round_.parties[f].max_per_day or 0)
                for f, day in days
            ):
                continue
            for h in holders:
                held[h].update(span)
            per_day.update(days)
            starts[request.id] = start
            break
    return starts


@dataclass(frozen=True)
class _Class:
    requests: tuple[str, ...]
    facilitators: tuple[str, ...]
    organisation: str | None
    cells: int
    starts: tuple[int, ...]
    minutes: int


def solve(
    round_: Round, options: Sequence[Candidates], time_limit: float = TIME_LIMIT
) -> Assignment:
    """Return an optimal assignment of the round's requests to their candidate starts.

    Should the solver not prove the optimum within `time_limit` seconds, the best
    assignment found is returned with `optimal=False`.
    """
    classes = _classes(round_, options)
    greedy = max(
        (first_fit(round_, options), cheapest_fit(round_, options)),
        key=lambda starts: _rank(objective(round_, starts)),
    )
    if not classes:
        return _assignment(round_, options, greedy, True, 0)
    columns = [(k, s) for k, c in enumerate(classes) for s in c.starts]
    least = sum(1 for start in greedy.values() if start is not None)
    everyone = least == sum(len(c.requests) for c in classes)
    spread = round_.preferences.spread_facilitator_load
    n_x = len(columns)

    rows: list[list[tuple[int, float]]] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(entries: list[tuple[int, float]], bound: float, floor: float = -np.inf) -> None:
        rows.append(entries)
        lower.append(floor)
        upper.append(bound)

    by_class: dict[int, list[int]] = defaultdict(list)
    for j, (k, _) in enumerate(columns):
        by_class[k].append(j)
    for k, js in by_class.items():
        count = len(classes[k].requests)
        add([(j, 1.0) for j in js], count, count if everyone else -np.inf)
    if not everyone:
        add([(j, 1.0) for j in range(n_x)], np.inf, least)

    # Nobody in two overlapping meetings: at each grid step, at most one meeting holds it.
    holders: dict[tuple[str, int], list[int]] = defaultdict(list)
    for j, (k, s) in enumerate(columns):
        c = classes[k]
        who = [*c.facilitators, *([f"org:{c.organisation}"] if c.organisation else [])]
        for w in who:
            for t in range(s, s + c.cells):
                holders[w, t].append(j)
    for js in holders.values():
        if len(js) > 1:
            add([(j, 1.0) for j in js], 1)

    days: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    for j, (k, s) in enumerate(columns):
        for f in classes[k].facilitators:
            days[f, local_day(round_, round_.parties[f], s)].append(j)
    for (f, _), js in days.items():
        limit = round_.parties[f].max_per_day
        if limit is not None and len(js) > limit:
            add([(j, 1.0) for j in js], limit)

    # A facilitator whose busiest day is forced to its `max_per_day` adds a constant.
    floors = _busiest_floor(classes, days) if everyone and spread else {}
    settled = {f: floor for f, floor in floors.items() if floor == round_.parties[f].max_per_day}
    loaded = sorted({f for c in classes for f in c.facilitators} - set(settled)) if spread else []
    for (f, _), js in days.items():
        if f in loaded:
            add([*((j, 1.0) for j in js), (n_x + loaded.index(f), -1.0)], 0)
    constant = SPREAD_WEIGHT * sum(settled.values())
    meetings = Counter(f for c in classes for f in c.facilitators for _ in c.requests)

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
    result = _optimise(
        _Model(
            np.concatenate([costs - worth, np.full(len(loaded), SPREAD_WEIGHT)]),
            rows,
            np.array(lower),
            np.array(upper),
            np.concatenate([np.zeros(n_x), [floors.get(f, 0) for f in loaded]]),
            # Every meeting has a facilitator, so two meetings never start at the same
            # step of one class: each count is 0 or 1. A busiest day holds at most all
            # of the facilitator's meetings.
            np.concatenate([np.ones(n_x), [float(meetings[f]) for f in loaded]]),
            n_x,
        ),
        time_limit,
    )
    proven = result.optimal
    starts: dict[str, int | None] = dict(greedy)
    if result.x is not None:
        values = np.round(result.x[:n_x]).astype(int)
        found: dict[str, int | None] = {}
        taken: dict[int, list[int]] = defaultdict(list)
        for j, (k, s) in enumerate(columns):
            taken[k].extend([s] * int(values[j]))
        for k, c in enumerate(classes):
            for request_id, start in zip(c.requests, sorted(taken[k]), strict=False):
                found[request_id] = start
        if proven or _rank(objective(round_, found)) >= _rank(objective(round_, greedy)):
            starts = found
    placed, total = objective(round_, starts)
    bound = _bound(result.dual_bound + constant, worth, placed) if not proven else total
    return _assignment(round_, options, starts, proven, bound)


def _busiest_floor(
    classes: Sequence[_Class], days: Mapping[tuple[str, dt.date], list[int]]
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


def _rank(score: tuple[int, int]) -> tuple[int, int]:
    placed, total = score
    return placed, -total


def _bound(dual: float, worth: float, placed: int) -> int | None:
    """Return the proven lower bound on the cost of placing `placed` meetings, if proven.

    Any assignment placing one meeting more scores below -worth * placed; so a dual
    bound at or above that proves none exists, and bounds the cost of the rest.
    """
    if not np.isfinite(dual) or dual < -worth * placed:
        return None
    return max(0, math.ceil(dual + worth * placed - 1e-6))


@dataclass(frozen=True)
class _Model:
    """Minimise costs·x subject to lower ≤ rows·x ≤ upper, the first `integers` columns integer."""

    costs: NDArray[np.float64]
    rows: list[list[tuple[int, float]]]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    column_lower: NDArray[np.float64]
    column_upper: NDArray[np.float64]
    integers: int


@dataclass(frozen=True)
class _Solved:
    x: NDArray[np.float64] | None
    optimal: bool
    dual_bound: float
    value: float = np.inf


RESTRICTED = 1.0
"""The reduced cost up to which the first, restricted programme keeps a start."""
RESTRICTED_SHARE = 0.6
"""The share of the time limit the restricted programme may take."""
INTERIOR_POINT_FROM = 20_000
"""The number of columns from which the relaxation is solved by interior point, not simplex."""


def _optimise(model: _Model, time_limit: float) -> _Solved:
    """Return the optimum of `model`, first over the starts the relaxation favours.

    The linear relaxation gives a lower bound D and, for each start, a reduced
    cost d: any assignment using the start costs at least D + d. The programme
    restricted to the starts with d ≤ `RESTRICTED` is small and quickly gives a
    good schedule of cost U; then every start with D + d > U is left out of the
    full programme, which is exact since no assignment using one beats U.
    """
    deadline = time.perf_counter() + time_limit
    relaxed = _relaxation(model, time_limit)
    if relaxed is None:
        return _run_highs(model, model.column_upper, deadline - time.perf_counter())
    least, reduced = relaxed
    slack = 1e-7 * (1 + abs(least))
    integer = np.arange(len(model.costs)) < model.integers
    narrow = np.where(integer & (reduced > RESTRICTED), 0.0, model.column_upper)
    left = deadline - time.perf_counter()
    first = _run_highs(model, narrow, RESTRICTED_SHARE * left)
    if first.x is None:
        second = _run_highs(model, model.column_upper, deadline - time.perf_counter())
        return _Solved(second.x, second.optimal, max(least, second.dual_bound), second.value)
    # The objective is integral: a better assignment costs at most U - 1.
    if first.optimal and first.value - 1 - least < RESTRICTED - slack:
        return first
    wide = np.where(integer & (reduced > first.value - least + slack), 0.0, model.column_upper)
    second = _run_highs(model, wide, deadline - time.perf_counter(), first.x)
    # Every assignment left out costs at least U, which the first programme found.
    bound = max(least, min(first.value, second.dual_bound))
    if second.x is None or second.value > first.value:
        return _Solved(first.x, second.optimal, bound, first.value)
    return _Solved(second.x, second.optimal, bound, second.value)


def _relaxation(model: _Model, time_limit: float) -> tuple[float, NDArray[np.float64]] | None:
    """Return a lower bound on `model` and each column's reduced cost, from its LP.

    The bound is computed here from the row duals HiGHS returns, so it is valid
    whatever their accuracy: for any y, c·x ≥ y·Ax + (c - Aᵀy)·x, and each term is
    bounded below by the row and column bounds.
    """
    highs = _highs(time_limit)
    if len(model.costs) > INTERIOR_POINT_FROM:
        highs.setOptionValue("solver", "ipm")
        highs.setOptionValue("run_crossover", "off")
    highs.passModel(_lp(model, model.column_upper, integer=False))
    highs.run()
    if highs.getModelStatus() != HighsModelStatus.kOptimal:
        return None
    y = np.array(highs.getSolution().row_dual)
    y[(y > 0) & ~np.isfinite(model.lower)] = 0.0
    y[(y < 0) & ~np.isfinite(model.upper)] = 0.0
    lengths = [len(entries) for entries in model.rows]
    index = np.array([j for entries in model.rows for j, _ in entries], dtype=np.int64)
    value = np.array([v for entries in model.rows for _, v in entries], dtype=float)
    reduced = model.costs - np.bincount(
        index, weights=value * np.repeat(y, lengths), minlength=len(model.costs)
    )
    lower = np.where(np.isfinite(model.lower), model.lower, 0.0)
    upper = np.where(np.isfinite(model.upper), model.upper, 0.0)
    rows = np.where(y > 0, y * lower, y * upper)
    columns = np.where(reduced > 0, reduced * model.column_lower, reduced * model.column_upper)
    return float(rows.sum() + columns.sum()), reduced


def _highs(time_limit: float) -> _Highs:
    highs = _Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(float(time_limit), 0.0))
    return highs


def _run_highs(
    model: _Model,
    column_upper: NDArray[np.float64],
    time_limit: float,
    start: NDArray[np.float64] | None = None,
) -> _Solved:
    """Return HiGHS's answer to `model` with the columns' upper bounds `column_upper`."""
    highs = _highs(time_limit)
    highs.setOptionValue("mip_rel_gap", 0.0)
    # The classes already group interchangeable meetings; looking for more symmetry
    # took longer than it saved (20 and 50 meetings: 0.8 and 7.5-8.2 s without, 0.9-1.7
    # and 9.9-11.7 s with).
    highs.setOptionValue("mip_detect_symmetry", False)
    highs.passModel(_lp(model, column_upper, integer=True))
    if start is not None:
        solution = HighsSolution()
        solution.col_value = start
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    info = highs.getInfo()
    found = info.primal_solution_status == kSolutionStatusFeasible
    return _Solved(
        np.array(highs.getSolution().col_value) if found else None,
        highs.getModelStatus() == HighsModelStatus.kOptimal,
        info.mip_dual_bound,
        info.objective_function_value if found else np.inf,
    )


def _lp(model: _Model, column_upper: NDArray[np.float64], integer: bool) -> HighsLp:
    lp = HighsLp()
    n = len(model.costs)
    lp.num_col_, lp.num_row_ = n, len(model.rows)
    lp.col_cost_ = model.costs
    lp.col_lower_ = model.column_lower
    lp.col_upper_ = column_upper
    lp.row_lower_, lp.row_upper_ = model.lower, model.upper
    lp.a_matrix_.format_ = MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, len(model.rows)
    lp.a_matrix_.start_ = np.cumsum([0, *(len(entries) for entries in model.rows)], dtype=np.int32)
    lp.a_matrix_.index_ = np.array(
        [j for entries in model.rows for j, _ in entries], dtype=np.int32
    )
    lp.a_matrix_.value_ = np.array([v for entries in model.rows for _, v in entries], dtype=float)
    if integer:
        lp.integrality_ = [HighsVarType.kInteger] * model.integers + [HighsVarType.kContinuous] * (
            n - model.integers
        )
    return lp


def _classes(round_: Round, options: Sequence[Candidates]) -> list[_Class]:
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
        _Class(
            requests=tuple(sorted(ids)),
            facilitators=facilitators,
            organisation=organisation,
            cells=round_.cells(minutes),
            starts=starts,
            minutes=minutes,
        )
        for (facilitators, organisation, minutes, starts), ids in groups.items()
    ]


def _assignment(
    round_: Round,
    options: Sequence[Candidates],
    starts: Mapping[str, int | None],
    optimal: bool,
    bound: int | None,
) -> Assignment:
    reasons = {c.request.id: c.reason for c in options}
    placements = []
    for request in round_.requests:
        start = starts.get(request.id)
        if start is None:
            reason = reasons.get(request.id) or (
                "its possible slots are all taken by other meetings of the same facilitators "
                "or organisation (the round places as many meetings as possible)"
            )
            placements.append(Placement(request.id, None, None, reason))
            continue
        begin = round_.at(start)
        placements.append(
            Placement(request.id, begin, begin + dt.timedelta(minutes=request.minutes))
        )
    placed, total = objective(round_, starts)
    return Assignment(tuple(placements), placed, total, optimal, bound)
