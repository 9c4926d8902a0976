"""Benchmark: the exact solver against greedy first-fit, and against exhaustive search.

Prints, from one run: for rounds of growing size over a six-week window with
4 facilitators, the time to compute the candidate slots, the solver's time,
whether it proved the optimum within its time limit, the lower bound on the
cost it proved and the gap to it, the meetings placed and the cost of the
solver's and of a greedy first-fit baseline's assignment; then the share of
small random rounds the solver solves to the optimum that exhaustive search
finds.

`slots` counts the distinct start times (30-minute grid, the workspace
default); `fac slots` the (facilitator, start time) pairs some meeting could
use, about 2,000 for 300 meetings: the issue's "300 meetings with 4
facilitators over six weeks (about 2,000 candidate slots)"; `pairs` the
(meeting, start time) pairs.

Then the 300 round again, changed in one respect at a time (every meeting 90
minutes long; one facilitator per meeting; both), which shows what makes it
hard to prove: the mix of lengths above all, and meetings run by two
facilitators.

`--quick`: rounds of 10 and 20 meetings, 30 small rounds, the variants of the
20 round, a 5 s limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sys
import time
from pathlib import Path

if not __package__:
    # Run by its path (python bench/scheduling.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from consult.planning.assignment import Assignment, exhaustive, first_fit, objective
from consult.planning.slots import (
    Candidates,
    Party,
    Preferences,
    Request,
    Round,
    candidates,
)
from consult.planning.solver import solve
from schemas.types import WorkingHours

ZONES = [
    ("Asia/Tbilisi", "GE"),
    ("Europe/Bucharest", "RO"),
    ("Europe/Paris", "FR"),
    ("Europe/Istanbul", "TR"),
]


@dataclasses.dataclass(frozen=True)
class Sizes:
    """The rounds raced, the small rounds searched, the round varied, the solver's limit."""

    rounds: tuple[int, ...]
    small_rounds: int
    varied: int
    time_limit: float


FULL = Sizes(rounds=(20, 50, 100, 300), small_rounds=300, varied=300, time_limit=20.0)
QUICK = Sizes(rounds=(10, 20), small_rounds=30, varied=20, time_limit=5.0)
VARIANTS = {
    "every meeting 90 minutes": (90, False),
    "one facilitator per meeting": (None, True),
    "both": (90, True),
}


def big_round(meetings: int, seed: int = 7) -> Round:
    """Return a six-week round: 4 facilitators, one organisation per meeting in 4 zones."""
    rng = random.Random(seed)
    parties = {
        f"f{i}": Party(
            f"f{i}", *ZONES[i % 2], WorkingHours(start=dt.time(9), end=dt.time(18)), max_per_day=4
        )
        for i in range(4)
    }
    requests = []
    for m in range(meetings):
        zone, country = rng.choice(ZONES)
        parties[f"c{m}"] = Party(f"c{m}", zone, country)
        team = tuple(sorted(rng.sample(["f0", "f1", "f2", "f3"], rng.choice([1, 1, 2]))))
        requests.append(Request(f"m{m:03d}", rng.choice([60, 90, 120]), team, f"o{m}", (f"c{m}",)))
    return Round(
        dt.date(2027, 3, 1),
        dt.date(2027, 4, 11),
        "Asia/Tbilisi",
        30,
        30,
        parties,
        tuple(requests),
        Preferences(
            preferred_days=("tue", "wed", "thu"),
            preferred_start=dt.time(10),
            preferred_end=dt.time(16),
        ),
    )


def variant(round_: Round, minutes: int | None, single: bool) -> Round:
    """Return `round_` with every meeting `minutes` long, and/or run by its first facilitator."""
    requests = tuple(
        dataclasses.replace(
            r,
            minutes=minutes or r.minutes,
            facilitators=r.facilitators[:1] if single else r.facilitators,
        )
        for r in round_.requests
    )
    return dataclasses.replace(round_, requests=requests)


def small_round(rng: random.Random) -> Round:
    """Return a random round of 2-4 meetings over two days, small enough to search."""
    parties = {
        "f0": Party(
            "f0",
            "Asia/Tbilisi",
            "GE",
            WorkingHours(start=dt.time(9), end=dt.time(13)),
            max_per_day=rng.choice([1, 2, None]),
        ),
        "f1": Party(
            "f1",
            "Europe/Bucharest",
            "RO",
            WorkingHours(start=dt.time(8), end=dt.time(12)),
            max_per_day=rng.choice([1, 2, None]),
        ),
        "c": Party("c", "Asia/Tbilisi", "GE", WorkingHours(start=dt.time(10), end=dt.time(14))),
    }
    requests = tuple(
        Request(
            f"m{i}",
            rng.choice([60, 90, 120]),
            tuple(sorted(rng.sample(["f0", "f1"], rng.choice([1, 2])))),
            rng.choice(["o1", "o2", f"own{i}"]),
            ("c",),
        )
        for i in range(rng.choice([2, 3, 4]))
    )
    return Round(
        dt.date(2027, 3, 15),
        dt.date(2027, 3, 16),
        "Asia/Tbilisi",
        60,
        rng.choice([0, 30]),
        parties,
        requests,
        Preferences(preferred_days=("tue",), spread_facilitator_load=rng.random() < 0.5),
    )


def race(
    round_: Round, options: list[Candidates], time_limit: float
) -> tuple[Assignment, float, tuple[int, int], float]:
    """Return the solver's answer and time, and first-fit's (placed, cost) and time."""
    started = time.perf_counter()
    answer = solve(round_, options, time_limit=time_limit)
    solve_time = time.perf_counter() - started
    started = time.perf_counter()
    greedy = objective(round_, first_fit(round_, options))
    return answer, solve_time, greedy, time.perf_counter() - started


def main(sizes: Sizes = FULL) -> None:
    print(
        f"{'meetings':>8} {'slots':>6} {'fac slots':>9} {'pairs':>7} {'cand s':>7} "
        f"{'solve s':>8} {'optimal':>8} {'bound':>6} {'gap':>6} {'placed':>7} {'greedy':>7} "
        f"{'cost':>6} {'greedy':>7} {'cost ratio':>10} {'greedy s':>9} {'time ratio':>10}"
    )
    for size in sizes.rounds:
        round_ = big_round(size)
        started = time.perf_counter()
        options = candidates(round_)
        slot_time = time.perf_counter() - started
        answer, solve_time, (greedy_placed, greedy_cost), greedy_time = race(
            round_, options, sizes.time_limit
        )
        grid = len({s for o in options for s in o.starts})
        held = len({(f, s) for o in options for f in o.request.facilitators for s in o.starts})
        pairs = sum(len(o.starts) for o in options)
        bound = "-" if answer.bound is None else str(answer.bound)
        gap = (
            "-"
            if answer.bound is None
            else f"{100 * (answer.cost - answer.bound) / max(answer.cost, 1):.1f}%"
        )
        print(
            f"{size:>8} {grid:>6} {held:>9} {pairs:>7} {slot_time:>7.2f} {solve_time:>8.2f} "
            f"{answer.optimal!s:>8} {bound:>6} {gap:>6} {answer.placed:>7} {greedy_placed:>7} "
            f"{answer.cost:>6} {greedy_cost:>7} {answer.cost / max(greedy_cost, 1):>10.2f} "
            f"{greedy_time:>9.2f} {solve_time / max(greedy_time, 1e-6):>10.0f}"
        )
    rng = random.Random(11)
    optimal = 0
    rounds = sizes.small_rounds
    for _ in range(rounds):
        small = small_round(rng)
        small_options = candidates(small)
        answer = solve(small, small_options)
        optimal += (answer.placed, answer.cost) == exhaustive(small, small_options)
    print(
        f"small rounds solved to the exhaustive optimum: {optimal}/{rounds} "
        f"({100 * optimal / rounds:.0f}%)"
    )

    print(f"\nthe {sizes.varied} round changed in one respect ({sizes.time_limit:.0f} s limit):")
    print(
        f"{'variant':<28} {'solve s':>8} {'optimal':>8} {'bound':>6} {'cost':>6} {'greedy':>7} "
        f"{'greedy s':>9} {'time ratio':>10}"
    )
    for name, (minutes, single) in VARIANTS.items():
        round_ = variant(big_round(sizes.varied), minutes, single)
        options = candidates(round_)
        answer, solve_time, (_, greedy_cost), greedy_time = race(round_, options, sizes.time_limit)
        print(
            f"{name:<28} {solve_time:>8.2f} {answer.optimal!s:>8} {answer.bound!s:>6} "
            f"{answer.cost:>6} {greedy_cost:>7} {greedy_time:>9.2f} "
            f"{solve_time / max(greedy_time, 1e-6):>10.0f}"
        )


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
