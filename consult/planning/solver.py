"""Gives each meeting of a round a slot: the most meetings possible, then the best placement.

The assignment is the integer programme of `consult.planning.model`, solved
exactly by HiGHS (through highspy, with a zero optimality gap), starting from
the better of the greedy assignments of `consult.planning.assignment`.

HiGHS is not given the whole programme at once. Its linear relaxation is
solved first, which gives a lower bound D and, per start, a reduced cost d:
any assignment using that start costs at least D + d. The programme
restricted to the starts with d ≤ 1 is solved next, with 60% of the time
limit, for a good schedule of cost U; then the full programme is solved
without the starts whose D + d exceeds U, since none of those can take part
in a better schedule, with the restricted schedule to start from (and not at
all when the restricted optimum already is the optimum: costs are whole). Both
steps are exact. Should the time limit stop HiGHS before it proves the
optimum, the better of its best assignment and the greedy one is returned,
marked `optimal=False`, with the lower bound on the cost it did prove, if any.

Measurements: docs/performance.md and docs/planning.md
"""

from __future__ import annotations

import math
import time
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

from consult.planning.assignment import Assignment, greedy, objective, place, rank
from consult.planning.model import Model, Programme, build, group
from consult.planning.slots import Candidates, Round

TIME_LIMIT = 60.0
"""The seconds HiGHS may take, unless the caller says otherwise."""
RESTRICTED = 1.0
"""The reduced cost up to which the first, restricted programme keeps a start."""
RESTRICTED_SHARE = 0.6
"""The share of the time limit the restricted programme may take."""
INTERIOR_POINT_FROM = 20_000
"""The number of columns from which the relaxation is solved by interior point, not simplex."""


def solve(
    round_: Round, options: Sequence[Candidates], time_limit: float = TIME_LIMIT
) -> Assignment:
    """Return an optimal assignment of the round's requests to their candidate starts.

    Should the solver not prove the optimum within `time_limit` seconds, the best
    assignment found is returned with `optimal=False`.
    """
    fallback = greedy(round_, options)
    classes = group(round_, options)
    if not classes:
        return place(round_, options, fallback, True, 0)
    least = sum(1 for start in fallback.values() if start is not None)
    programme = build(round_, classes, least)
    result = _optimise(programme.model, time_limit)
    starts = _better(round_, programme, result, fallback)
    return place(round_, options, starts, result.optimal, _bound(round_, programme, result, starts))


def _better(
    round_: Round,
    programme: Programme,
    result: _Solved,
    fallback: Mapping[str, int | None],
) -> dict[str, int | None]:
    """Return the starts HiGHS found, unless unproven and worse than `fallback`."""
    if result.x is not None:
        found = programme.starts(result.x)
        if result.optimal or rank(round_, found) >= rank(round_, fallback):
            return found
    return dict(fallback)


def _bound(
    round_: Round, programme: Programme, result: _Solved, starts: Mapping[str, int | None]
) -> int | None:
    """Return the proven lower bound on the cost of placing as many meetings as `starts`.

    Any assignment placing one meeting more scores below -worth * placed; so a dual
    bound at or above that proves none exists, and bounds the cost of the rest.
    """
    placed, total = objective(round_, starts)
    if result.optimal:
        return total
    dual = result.dual_bound + programme.constant
    if not np.isfinite(dual) or dual < -programme.worth * placed:
        return None
    return max(0, math.ceil(dual + programme.worth * placed - 1e-6))


@dataclass(frozen=True)
class _Solved:
    """HiGHS's best solution, if any; whether it is proven optimal; the bound it proved."""

    x: NDArray[np.float64] | None
    optimal: bool
    dual_bound: float
    value: float = np.inf


def _optimise(model: Model, time_limit: float) -> _Solved:
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


def _relaxation(model: Model, time_limit: float) -> tuple[float, NDArray[np.float64]] | None:
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
    model: Model,
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


def _lp(model: Model, column_upper: NDArray[np.float64], integer: bool) -> HighsLp:
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
