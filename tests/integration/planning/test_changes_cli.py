"""`consult reschedule` refuses a time that breaks a rule, says why, and offers `free-slots`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.settings import Settings
from consult.store import open_store

pytestmark = pytest.mark.slow


def consult(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_reschedule_to_a_saturday_night_exits_1_naming_the_rule_then_force_moves_it(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    planned = consult("plan", "winter-2027", "--approve", "--by", "Nino", "--workspace", str(root))
    assert planned.returncode == 0, planned.stderr

    refused = consult(
        "reschedule", "winter-2027", "mia", "2026-12-19T22:00", "--workspace", str(root)
    )
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr + refused.stdout
    assert (
        "Lela Tsereteli (facilitator): Saturday is not a working day in Asia/Tbilisi"
        in refused.stderr
    )
    assert "Free times that keep every rule (Asia/Tbilisi): " in refused.stderr

    forced = consult(
        "reschedule",
        "winter-2027",
        "mia",
        "2026-12-19T22:00",
        "--force",
        "the minister asked for Saturday",
        "--by",
        "Nino",
        "--workspace",
        str(root),
    )
    assert forced.returncode == 0, forced.stderr
    with open_store(Settings(workspace=root).store_url) as store:
        [meeting] = store.meetings("winter-2027", "round-1")
        event = store.audit_log(meeting.id)[-1]
    assert (event.action, event.actor, event.detail["forced"]) == (
        "meeting.rescheduled",
        "Nino",
        "the minister asked for Saturday",
    )


def test_free_slots_lists_the_next_times_that_keep_every_rule(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    assert consult("plan", "winter-2027", "--approve", "--workspace", str(root)).returncode == 0
    shown = consult("free-slots", "winter-2027", "mia", "--count", "3", "--workspace", str(root))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "winter-2027/round-1/mia: free times that keep every rule (Asia/Tbilisi):"
    assert len(lines) == 4
    assert all(line.startswith("  ") and line.endswith(" 09:00") for line in lines[1:])
