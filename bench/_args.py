"""The options every benchmark takes (no benchmark itself: `make bench` runs bench/[a-z]*.py).

--quick   the same code path on small sizes, in a few seconds: what `make test` runs
          (tests/e2e/test_benchmarks.py), so that a benchmark that no longer runs fails
          the tests. Its figures still come with their ratios to a baseline measured in
          the same run, but they are no measurement: only the full run is.
"""

from __future__ import annotations

import argparse


def options(doc: str | None) -> argparse.Namespace:
    """Return the command line's options, the benchmark's docstring as its --help."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the same code path on small sizes, in seconds (a check that it runs, not a measure)",
    )
    return parser.parse_args()
