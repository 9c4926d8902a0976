"""A short run of the fuzz (tests/fuzzing.py): mutated real files never crash or hang a reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_two_thousand_mutated_inputs_crash_no_reader_hang_none_and_every_error_names_its_file():
    # A process of its own, as `make fuzz` runs it: its peak memory is the fuzz's alone,
    # not that of the pytest process and every test that ran before.
    run = subprocess.run(
        [sys.executable, "-m", "tests.fuzzing", "--cases", "2000", "--seed", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    table = run.stdout.splitlines()
    assert [line.split()[0] for line in table[1:7]] == [
        "workspace",
        "notes",
        "replies",
        "kobo",
        "feeds",
        "total",
    ], run.stdout + run.stderr
    total = table[6].split()
    assert int(total[1]) >= 2_000, run.stdout
    assert total[2:5] == ["0", "0", "0"], run.stdout  # uncaught, over 5 s, without a file
    assert run.returncode == 0, run.stdout + run.stderr  # and the peak under 300 MB
