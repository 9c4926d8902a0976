"""An assignment of a round's meetings to starts: its score, its rules, and the simple ways to one.

`objective` scores any assignment (meetings placed, then cost) and `feasible`
checks its rules, so that the tests can hold the solver against `exhaustive`
search; `first_fit` and `cheapest_fit` are the greedy assignments the solver
starts from and falls back on; `place` turns grid starts into the `Assignment`
the planner stores.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consult.planning.slots import Candidates, Request, Round, capacity, cost, local_day

SPREAD_WEIGHT = 5
"""The cost of one more meeting on a facilitator's busiest day, when the load is spread."""


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
    """Return (meetings placed, cost) of an assignment of grid starts to request ids.

    The cost is the sum of the slot costs (`consult.planning.slots.cost`) plus,
    when the round asks to spread the load, `SPREAD_WEIGHT` times each
    facilitator's busiest day.
    """
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


def rank(round_: Round, starts: Mapping[str, int | None]) -> tuple[int, int]:
    """Return a key that orders assignments best last: more meetings placed, then less cost."""
    placed, total = objective(round_, starts)
    return placed, -total


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
            day = local_day(round_, round_.parties[f], start)
            per_day[f, day] += 1
            limit = capacity(round_, f, day)
            if limit is not None and per_day[f, day] > limit:
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


def greedy(round_: Round, options: Sequence[Candidates]) -> dict[str, int | None]:
    """Return the better of the first-fit and the cheapest-fit assignments."""
    return max(
        (first_fit(round_, options), cheapest_fit(round_, options)),
        key=lambda starts: rank(round_, starts),
    )


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
                (limit := capacity(round_, f, day)) is not None and per_day[f, day] >= limit
                for f, day in days
            ):
                continue
            for h in holders:
                held[h].update(span)
            per_day.update(days)
            starts[request.id] = start
            break
    return starts


def place(
    round_: Round,
    options: Sequence[Candidates],
    starts: Mapping[str, int | None],
    optimal: bool,
    bound: int | None,
) -> Assignment:
    """Return the assignment of `starts`: each request placed, or left out with its reason."""
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
