"""`consult plan` and `consult send` on several rounds, or every round, in one run (issue 29)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from consult.settings import Settings
from consult.store import open_store
from tests.conftest import LIVE_TRAINING, live

SLUG = "winter-2027"
ROUND_2 = live("""\
    - id: round-2
      earliest: 2026-12-14
      latest: 2027-01-15
      meetings:
        - id: mia-again
          organisation: mia
          format: online
          duration_minutes: 60
          facilitators: [lela]
          location: https://meet.example.org/winter-2027/mia-again
""")
TWO_ROUNDS = LIVE_TRAINING.replace("briefing:\n", ROUND_2 + "briefing:\n", 1)


def consult(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args, "--workspace", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def meetings(root: Path) -> dict[str, str]:
    with open_store(Settings(workspace=root).store_url) as store:
        return {m.id: m.status for m in store.meetings(SLUG)}


def sent(root: Path) -> set[str]:
    with open_store(Settings(workspace=root).store_url) as store:
        return {m.meeting_id for m in store.messages() if m.status == "sent"}


def test_plan_all_rounds_then_send_both_rounds_in_one_run_each(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={SLUG: TWO_ROUNDS})

    planned = consult(root, "plan", SLUG, "--all-rounds", "--approve")

    assert planned.returncode == 0, planned.stderr
    assert f"## {SLUG}, round-1" in planned.stdout
    assert f"## {SLUG}, round-2" in planned.stdout
    assert meetings(root) == {
        f"{SLUG}/round-1/mia": "confirmed",
        f"{SLUG}/round-2/mia-again": "confirmed",
    }

    done = consult(root, "send", SLUG, "--round", "round-1", "--round", "round-2", "--yes")

    assert done.returncode == 0, done.stderr
    assert "Delivery: winter-2027, round-1" in done.stdout
    assert "Delivery: winter-2027, round-2" in done.stdout
    assert sent(root) == {f"{SLUG}/round-1/mia", f"{SLUG}/round-2/mia-again"}


def test_without_a_round_plan_acts_on_the_first_as_before(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={SLUG: TWO_ROUNDS})

    planned = consult(root, "plan", SLUG)

    assert planned.returncode == 0, planned.stderr
    assert list(meetings(root)) == [f"{SLUG}/round-1/mia"]


def test_an_unknown_round_among_several_plans_none_and_says_which(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={SLUG: TWO_ROUNDS})

    planned = consult(root, "plan", SLUG, "--round", "round-2", "--round", "round-9")

    assert planned.returncode == 1
    assert "got 'round-9', expected one of round-1, round-2" in planned.stderr
    assert "Traceback" not in planned.stderr
    assert meetings(root) == {}


def test_round_and_all_rounds_together_are_refused(write_workspace: Callable[..., Path]) -> None:
    root = write_workspace(trainings={SLUG: TWO_ROUNDS})

    done = consult(root, "send", SLUG, "--round", "round-1", "--all-rounds", "--yes")

    assert done.returncode == 2
    assert "--round or --all-rounds, not both" in done.stderr
    assert sent(root) == set()
