"""Benchmark: importing notes files of 10,000 and 30,000 observations, against its lower bound.

Builds the workspace of bench/briefing.py (60 organisations, 25 themes, one held meeting
each) and writes its observations as CSV notes files of 1,000 rows each, then measures
in a SQLite store:
- first import: `consult.notes.importing.import_folder` as `consult import-notes` runs it;
- again, unchanged: the same files imported a second time (nothing to store);
- lower bound: the same observation rows and audit rows, inserted with executemany in
  one transaction into a store holding the same meetings.
Prints each time as a ratio to the lower bound. Targets (issue 29): the first import
at most 3x the bound at 30,000 observations; the unchanged one at most 1 s.
`--quick`: 20 organisations, 5 themes, 1,000 observations.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

if not __package__:
    # Run by its path (python bench/notes_import.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from bench.briefing import OBSERVATION_KINDS, ROUND, SLUG, Sizes, plan_meetings, write_workspace
from consult.notes.importing import import_folder
from consult.store import open_store
from consult.store.engine import create_store_engine
from consult.store.tables import audit, observations
from consult.workspace.loading import load_workspace

FULL = (
    Sizes(organisations=60, themes=25, observations=10_000),
    Sizes(organisations=60, themes=25, observations=30_000),
)
QUICK = (Sizes(organisations=20, themes=5, observations=1_000),)
ROWS_PER_FILE = 1_000
NOW = dt.datetime(2027, 1, 20, 8, tzinfo=dt.UTC)
START = dt.datetime(2026, 12, 1, 7, tzinfo=dt.UTC)
EVERY = dt.timedelta(minutes=10)
"""One held meeting per organisation, ten minutes apart from START (one day)."""
HEADER = "meeting,round,organisation,date,kind,theme,severity,text,confidentiality\n"


def write_notes(folder: Path, sizes: Sizes) -> int:
    """Write the observations of `sizes` as CSV notes files; return how many files."""
    rng = random.Random(29)
    folder.mkdir(parents=True)
    day = START.date()  # every meeting starts on this day in Tbilisi (07:00 UTC onwards)
    files = 0
    for first in range(0, sizes.observations, ROWS_PER_FILE):
        rows = []
        for n in range(first, min(first + ROWS_PER_FILE, sizes.observations)):
            org = f"org-{rng.randrange(sizes.organisations):02d}"
            rows.append(
                f"{org},{ROUND},{org},{day},{rng.choice(OBSERVATION_KINDS[:3])},"
                f"theme-{rng.randrange(sizes.themes):02d},{rng.randint(1, 4)},"
                f'"Observation {n}: what was said, in a sentence or two of plain text.",'
                f"{rng.choice(('public', 'internal', 'restricted'))}\n"
            )
        files += 1
        (folder / f"part-{files:03d}.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return files


def lower_bound(url: str, rows: list[dict[str, Any]], logged: list[dict[str, Any]]) -> float:
    """Return the seconds to insert `rows` and `logged` with executemany in one transaction."""
    engine = create_store_engine(url)
    try:
        began = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(sa.insert(observations), rows)
            connection.execute(sa.insert(audit), logged)
        return time.perf_counter() - began
    finally:
        engine.dispose()


def measure(sizes: Sizes, tmp: Path) -> None:
    """Print the figures of one size."""
    root = tmp / f"workspace-{sizes.observations}"
    write_workspace(root, sizes)
    files = write_notes(root / "notes", sizes)
    workspace = load_workspace(root)
    url = f"sqlite:///{root / '.consult' / 'state.db'}"
    plan_meetings(url, sizes, START, EVERY)
    with open_store(url) as store:
        began = time.perf_counter()
        first = import_folder(workspace, store, SLUG, root / "notes", "bench", NOW)
        importing = time.perf_counter() - began
        began = time.perf_counter()
        again = import_folder(workspace, store, SLUG, root / "notes", "bench", NOW)
        unchanged = time.perf_counter() - began
    if first.added != sizes.observations or again.unchanged != sizes.observations:
        raise SystemExit(
            f"unexpected: {first.summary()}, then {again.summary()}: {first.rejected[:3]}"
        )
    engine = create_store_engine(url)
    with engine.connect() as connection:
        rows = [
            {k: v for k, v in row._mapping.items() if k != "id"}
            for row in connection.execute(sa.select(observations))
        ]
        logged = [
            {k: v for k, v in row._mapping.items() if k != "id"}
            for row in connection.execute(
                sa.select(audit).where(audit.c.action.like("observation.%"))
            )
        ]
    engine.dispose()
    bound_url = f"sqlite:///{tmp / f'bound-{sizes.observations}' / 'state.db'}"
    plan_meetings(bound_url, sizes, START, EVERY)
    bound = lower_bound(bound_url, rows, logged)
    print(
        f"{sizes.observations:,} observations in {files} CSV files "
        f"({sizes.organisations} meetings, {len(logged):,} audit rows):"
    )
    print(f"  lower bound (one transaction, executemany): {bound:.3f} s")
    print(
        f"  first import: {importing:.3f} s, {importing / bound:.2f}x the bound "
        f"(target <= 3x at 30,000): {first.summary()}"
    )
    print(
        f"  again, unchanged: {unchanged:.3f} s, {unchanged / bound:.2f}x the bound "
        f"(target <= 1 s): {again.summary()}"
    )


def main(runs: tuple[Sizes, ...] = FULL) -> None:
    """Print the figures of each size."""
    with tempfile.TemporaryDirectory() as tmp:
        for sizes in runs:
            measure(sizes, Path(tmp))


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
