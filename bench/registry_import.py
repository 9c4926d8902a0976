"""Benchmark: importing a sheet of 300 organisations and 1,000 contacts, against reading it alone.

Writes a workbook like the one coordinators keep (one row per contact), then measures:
- baseline: openpyxl reading the same sheet's cells, and nothing else;
- plan: `plan_import` (read, map the columns, check every row, the preview);
- write: `plan_import` and `apply_import` (the comment-keeping, atomic merge into
  stakeholders.yaml), into a fresh copy of the workspace each time.
Prints each time (best of three) and its ratio to the baseline. `--quick`: 30 organisations
and 100 contacts, each timed once.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if not __package__:
    # Run by its path (python bench/registry_import.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from bench._args import options
from consult.demo import DEMO_WORKSPACE
from consult.workspace.columns import guess_columns
from consult.workspace.registry_import import apply_import, plan_import
from consult.workspace.sheets import read_sheets

FULL, QUICK = (300, 1000, 3), (30, 100, 1)
"""(organisations, contacts, runs of each phase, the best one counted)."""
HEADER = ["Organisation", "Kind", "Country", "Contact name", "Email", "Role", "Language",
          "Time zone", "Working hours"]  # fmt: skip


def write_sheet(path: Path, organisations: int, contacts: int) -> None:
    """Write the benchmark's workbook: `contacts` rows over `organisations` organisations."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.append(HEADER)
    for n in range(contacts):
        org = n % organisations
        sheet.append(
            [
                f"Organisation number {org}",
                "ngo",
                "GE",
                f"Person {n}",
                f"person{n}@org{org}.example.org",
                "Officer",
                ["ka", "en", "ru"][n % 3],
                "Asia/Tbilisi",
                "09:00-18:00",
            ]
        )
    book.save(path)


def best(run: Callable[[], object], times: int = 3) -> float:
    """Return the fastest of `times` runs, in seconds."""
    found = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        found.append(time.perf_counter() - started)
    return min(found)


def main(size: tuple[int, int, int] = FULL) -> None:
    organisations, contacts, runs = size
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        source = base / "contacts.xlsx"
        write_sheet(source, organisations, contacts)

        def read_alone() -> None:
            book = openpyxl.load_workbook(source, read_only=True, data_only=True)
            for _ in book.active.iter_rows(values_only=True):  # type: ignore[union-attr]
                pass
            book.close()

        def plan() -> None:
            sheets = read_sheets(source)
            plan_import(DEMO_WORKSPACE, sheets, guess_columns(sheets[0].header))

        def write() -> None:
            root = base / "workspace"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(DEMO_WORKSPACE, root, ignore=shutil.ignore_patterns(".consult", "out"))
            sheets = read_sheets(source)
            apply_import(root, plan_import(root, sheets, guess_columns(sheets[0].header)))

        baseline = best(read_alone, runs)
        planned = best(plan, runs)
        written = best(write, runs)
    print(f"sheet: {contacts} contacts of {organisations} organisations (.xlsx)")
    print(f"baseline (openpyxl reads the sheet): {baseline:.3f} s")
    print(f"plan (read, check, preview):         {planned:.3f} s  ({planned / baseline:.1f}x)")
    print(f"write (plan + merge into the YAML):  {written:.3f} s  ({written / baseline:.1f}x)")


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
