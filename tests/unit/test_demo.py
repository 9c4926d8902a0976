"""The demo copy: dated six weeks ahead, weekdays kept, everything else as shipped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.demo import prepare_demo, shift_dates
from consult.errors import StorageError
from consult.workspace.loading import load_workspace

TODAY = dt.date(2026, 11, 28)


def test_a_shift_moves_every_date_by_whole_weeks_and_keeps_the_rest() -> None:
    text = "start: 2027-01-26\nend: 2027-01-28  # three days\nurl: https://x.example/2027-01-26/a\n"
    shifted = shift_dates(text, TODAY)
    start = dt.date.fromisoformat(shifted.splitlines()[0].split(": ")[1])
    assert start.weekday() == dt.date(2027, 1, 26).weekday()
    assert abs((start - (TODAY + dt.timedelta(weeks=6))).days) <= 3
    assert (
        shifted.splitlines()[1]
        == f"end: {(start + dt.timedelta(days=2)).isoformat()}  # three days"
    )
    assert shifted.splitlines()[2] == "url: https://x.example/2027-01-26/a"


def test_the_demo_training_starts_about_six_weeks_from_today(tmp_path: Path) -> None:
    for today in (TODAY, dt.date(2027, 6, 1), dt.date(2030, 2, 28)):
        workspace = load_workspace(prepare_demo(tmp_path / "demo", today))
        for training in workspace.trainings.values():
            lead = (training.start - today).days
            assert 39 <= lead <= 45, (today, training.start)
            for round_ in training.consultation.rounds:
                assert today <= round_.earliest <= round_.latest < training.start


def test_preparing_the_demo_twice_starts_afresh(tmp_path: Path) -> None:
    target = prepare_demo(tmp_path / "demo", TODAY)
    (target / ".consult").mkdir()
    (target / ".consult" / "state.db").write_text("old state")
    prepare_demo(target, TODAY)
    assert not (target / ".consult").exists()


def test_a_full_disk_leaves_no_half_made_demo_and_names_the_folder_to_free(
    tmp_path: Path, full_disk: Callable[[], None]
) -> None:
    target = tmp_path / "demo"
    full_disk()

    with pytest.raises(StorageError) as raised:
        prepare_demo(target, dt.date(2026, 12, 7))

    assert str(raised.value).startswith(f"cannot write {target}/trainings/")
    assert str(raised.value).endswith(
        f": the disk is full (ENOSPC); free space on the disk that holds {target}/trainings"
    )
    assert not target.exists()
