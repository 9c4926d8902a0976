"""The day-columns benchmark measures what it says: its extended programme is the same problem.

bench/day_columns.py reports that days of a facilitator as columns do not
tighten the relaxation. That holds only if its extended programme (a flow per
facilitator and day) has the same integer optimum as the programme consult
solves, and if its relaxation is at least as tight: every solution of it keeps
the programme's overlap and per-day rows.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bench.day_columns import programmes
from bench.scheduling import big_round, variant
from consult.planning.slots import candidates
from consult.planning.solver import _highs, _lp, _run_highs


@pytest.mark.parametrize("single", [False, True], ids=["two facilitators", "one facilitator"])
def test_the_extended_programme_is_the_same_problem_with_a_relaxation_as_tight(
    single: bool,
) -> None:
    round_ = variant(big_round(12), None, single)
    # One meeting a day per facilitator, so that the per-day rule binds.
    parties = {
        key: dataclasses.replace(party, max_per_day=1) if party.max_per_day else party
        for key, party in round_.parties.items()
    }
    round_ = dataclasses.replace(
        round_,
        parties=parties,
        preferences=dataclasses.replace(round_.preferences, spread_facilitator_load=False),
    )
    compact, extended = programmes(round_, candidates(round_))
    assert len(extended.costs) > len(compact.costs)

    one, other = (_run_highs(m, m.column_upper, 60.0) for m in (compact, extended))
    assert one.optimal
    assert other.optimal
    assert round(other.value) == round(one.value) > 0

    highs = _highs(60.0)
    highs.passModel(_lp(extended, extended.column_upper, integer=False))
    highs.run()
    x = np.array(highs.getSolution().col_value)[: compact.integers]
    for entries, lower, upper in zip(compact.rows, compact.lower, compact.upper, strict=True):
        value = sum(weight * x[j] for j, weight in entries)
        assert lower - 1e-6 <= value <= upper + 1e-6
