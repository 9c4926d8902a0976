"""A short run of the fuzz (tests/fuzzing.py): mutated real files never crash or hang a reader."""

from __future__ import annotations

from tests.fuzzing import MEMORY_LIMIT_MB, TARGETS, run


def test_two_thousand_mutated_inputs_crash_no_reader_hang_none_and_every_error_names_its_file():
    report = run(cases=2_000, seed=1)

    shown = report.text()
    assert [target.name for target in report.targets] == [
        "workspace",
        "notes",
        "replies",
        "kobo",
        "feeds",
    ]
    assert len(report.targets) == len(TARGETS)
    assert report.cases >= 2_000, shown
    assert report.total("uncaught") == 0, shown
    assert report.total("slow") == 0, shown
    assert report.total("unnamed") == 0, shown
    assert report.peak_mb <= MEMORY_LIMIT_MB, shown
