"""Every benchmark still runs: `python -m bench.<name> --quick`, the same code on small sizes.

A benchmark is run by hand, so nothing told when one stopped working (a registry rule
changed under bench/briefing.py, a slow start of Prefect's server failed bench/send.py).
Here each runs as `make bench` runs it, in a process of its own, and must end well and
print its figures with their ratio to the baseline of the same run. The figures of a
quick run measure nothing; `make bench` gives the real ones (docs/performance.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(path.stem for path in (ROOT / "bench").glob("[a-z]*.py"))

RATIO = re.compile(r"\bratio\b|\d(\.\d+)?x\b")
"""How a figure is set against the baseline: a `ratio` column, or `2.3x`."""


def test_every_benchmark_is_found() -> None:
    assert {"briefing", "scheduling", "send"} <= set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_benchmark_runs_quick_and_prints_its_ratios(name: str, tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_API_", "CONSULT_"))
    }
    env.update(
        {
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
    )
    run = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"bench.{name} --quick exited {run.returncode}:\n{run.stderr}"
    assert RATIO.search(run.stdout), f"bench.{name} printed no ratio:\n{run.stdout}"
