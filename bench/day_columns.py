"""Benchmark: would whole days of a facilitator as columns tighten the relaxation?

Branch and price over days of a facilitator starts from the Dantzig-Wolfe bound:
the relaxation in which each facilitator's day is a mixture of feasible days
(meetings that do not overlap, buffers included, at most `max_per_day`). This
prints that bound next to the bound of the programme consult solves, for the
benchmark's rounds, from one run.

The bound is computed exactly, without generating columns, by an extended
formulation: per facilitator and day, one unit of flow through the nodes
(grid step, meetings so far), where a meeting is an arc from its start to its
end plus buffer, one level up, and idling is an arc to the next grid step; each
path is one feasible day, so the flow polytope is the hull of feasible days. A
start's variable is tied to the flow on its arcs, and the overlap and per-day
rows of the facilitator are left out (the flow implies them). The busiest-day
term is left out of both programmes. `--quick`: rounds of 20 and 30 meetings.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

if not __package__:
    # Run by its path (python bench/day_columns.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from bench.scheduling import big_round, variant
from consult.planning.model import Class, Model, group
from consult.planning.slots import Candidates, Round, candidates, cost, local_day
from consult.planning.solver import _relaxation

Columns = list[tuple[int, int]]

FULL = (
    (50, "50 meetings", False),
    (100, "100 meetings", False),
    (300, "300 meetings", False),
    (300, "300 meetings, one facilitator each", True),
)
QUICK = ((20, "20 meetings", False), (30, "30 meetings, one facilitator each", True))
"""The rounds compared: (meetings, name, one facilitator per meeting)."""


def programmes(round_: Round, options: list[Candidates]) -> tuple[Model, Model]:
    """Return the programme consult solves (every meeting placed) and its extended form."""
    classes = group(round_, options)
    columns = [(k, s) for k, c in enumerate(classes) for s in c.starts]
    return _compact(round_, classes, columns), _extended(round_, classes, columns)


def _assign_rows(classes: list[Class], columns: Columns) -> list[list[tuple[int, float]]]:
    by_class: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for j, (k, _) in enumerate(columns):
        by_class[k].append((j, 1.0))
    return [by_class[k] for k in range(len(classes))]


def _days(
    round_: Round, classes: list[Class], columns: Columns
) -> dict[tuple[str, str], list[int]]:
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, (k, s) in enumerate(columns):
        for f in classes[k].facilitators:
            days[f, local_day(round_, round_.parties[f], s).isoformat()].append(j)
    return days


def _holders(classes: list[Class], columns: Columns) -> dict[tuple[str, int], list[int]]:
    """Return the columns holding each (person, grid step): the programme's overlap rows."""
    holders: dict[tuple[str, int], list[int]] = defaultdict(list)
    for j, (k, s) in enumerate(columns):
        c = classes[k]
        for who in (*c.facilitators, *([f"org:{c.organisation}"] if c.organisation else [])):
            for t in range(s, s + c.cells):
                holders[who, t].append(j)
    return holders


def _model(
    classes: list[Class],
    columns: Columns,
    rows: list[list[tuple[int, float]]],
    bounds: list[tuple[float, float]],
    extra: int,
    round_: Round,
) -> Model:
    counts = [float(len(c.requests)) for c in classes]
    costs = [float(cost(round_, s, classes[k].minutes)) for k, s in columns]
    return Model(
        np.array(costs + [0.0] * extra),
        rows,
        np.array(counts + [lo for lo, _ in bounds]),
        np.array(counts + [hi for _, hi in bounds]),
        np.zeros(len(columns) + extra),
        np.ones(len(columns) + extra),
        len(columns),
    )


def _compact(round_: Round, classes: list[Class], columns: Columns) -> Model:
    rows = _assign_rows(classes, columns)
    bounds: list[tuple[float, float]] = []
    for js in _holders(classes, columns).values():
        if len(js) > 1:
            rows.append([(j, 1.0) for j in js])
            bounds.append((-np.inf, 1.0))
    for (f, _), js in _days(round_, classes, columns).items():
        limit = round_.parties[f].max_per_day
        if limit is not None and len(js) > limit:
            rows.append([(j, 1.0) for j in js])
            bounds.append((-np.inf, float(limit)))
    return _model(classes, columns, rows, bounds, 0, round_)


def _extended(round_: Round, classes: list[Class], columns: Columns) -> Model:
    rows = _assign_rows(classes, columns)
    bounds: list[tuple[float, float]] = []
    arcs = len(columns)
    days = _days(round_, classes, columns)
    day_of = {(f, j): day for (f, day), js in days.items() for j in js}
    # Organisations' rows, and a facilitator's rows joining two days, stay as they are.
    for (who, _), js in _holders(classes, columns).items():
        if len(js) > 1 and (who.startswith("org:") or len({day_of[who, j] for j in js}) > 1):
            rows.append([(j, 1.0) for j in js])
            bounds.append((-np.inf, 1.0))
    for (f, _), js in days.items():
        limit = round_.parties[f].max_per_day
        levels = limit + 1 if limit is not None and limit < len(js) else 1
        meetings: dict[tuple[int, int], list[int]] = defaultdict(list)
        for j in js:
            k, s = columns[j]
            meetings[s, classes[k].cells].append(j)
        points = sorted({p for s, cells in meetings for p in (s, s + cells)})
        into: dict[tuple[int, int], list[int]] = defaultdict(list)
        out: dict[tuple[int, int], list[int]] = defaultdict(list)
        for here, there in itertools.pairwise(points):
            for n in range(levels):
                out[here, n].append(arcs)
                into[there, n].append(arcs)
                arcs += 1
        for (s, cells), starts in meetings.items():
            link = []
            for n in range(levels - 1 if levels > 1 else 1):
                out[s, n].append(arcs)
                into[s + cells, n + 1 if levels > 1 else 0].append(arcs)
                link.append(arcs)
                arcs += 1
            rows.append([*((a, 1.0) for a in link), *((j, -1.0) for j in starts)])
            bounds.append((0.0, 0.0))
        for point in points[:-1]:
            for n in range(levels):
                supply = -1.0 if (point, n) == (points[0], 0) else 0.0
                rows.append(
                    [*((a, 1.0) for a in into[point, n]), *((a, -1.0) for a in out[point, n])]
                )
                bounds.append((supply, supply))
    return _model(classes, columns, rows, bounds, arcs - len(columns), round_)


def main(rounds: tuple[tuple[int, str, bool], ...] = FULL) -> None:
    print(
        f"{'round':<40} {'LP bound':>9} {'LP s':>6} {'day columns':>11} {'s':>6} {'gain':>6} "
        f"{'time ratio':>10}"
    )
    for size, name, single in rounds:
        round_ = variant(big_round(size), None, single)
        round_ = dataclasses.replace(
            round_,
            preferences=dataclasses.replace(round_.preferences, spread_facilitator_load=False),
        )
        compact, extended = programmes(round_, candidates(round_))
        figures = []
        for model in (compact, extended):
            started = time.perf_counter()
            relaxed = _relaxation(model, 120.0)
            assert relaxed is not None, "the relaxation has an optimum"
            figures.append((relaxed[0], time.perf_counter() - started))
        (lp, lp_time), (day, day_time) = figures
        print(
            f"{name:<40} {lp:>9.2f} {lp_time:>6.2f} {day:>11.2f} {day_time:>6.2f} "
            f"{round(day - lp, 2) + 0.0:>6.2f} {day_time / lp_time:>10.1f}"
        )


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
