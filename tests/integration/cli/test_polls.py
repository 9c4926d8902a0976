"""`consult poll`, `vote` and `pick`: a vote given by phone, the time picked and invited."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from consult.settings import Settings
from consult.store import open_store
from tests.polls import ANNA, MEETING, NINO, SLUG, planned_poll


def consult(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args, "--workspace", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_vote_by_phone_then_the_pick_from_the_command_line(
    write_workspace: Callable[..., Path],
) -> None:
    root = planned_poll(write_workspace)
    voted = consult(
        root, "vote", SLUG, "mia", NINO, "1=no", "2=yes", "3=if need be", "--by", "Levan"
    )
    assert voted.returncode == 0, voted.stderr
    assert f"{MEETING}: {NINO}: 1: no, 2: yes, 3: if_need_be" in voted.stdout

    wrong = consult(root, "vote", SLUG, "mia", ANNA, "1-yes")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "votes: got '1-yes', expected OPTION=VOTE, e.g. 1=yes"
    stranger = consult(root, "vote", SLUG, "mia", "x@example.org", "1=yes")
    assert stranger.returncode == 1
    assert "email: got 'x@example.org', expected an invitee of the meeting" in stranger.stderr

    shown = consult(root, "poll", SLUG, "mia")
    assert shown.returncode == 0, shown.stderr
    assert "(picked)" not in shown.stdout
    assert "1 yes, 0 if need be, 0 no" in shown.stdout
    assert f"{NINO}: 1: no, 2: yes, 3: if_need_be" in shown.stdout

    picked = consult(root, "pick", SLUG, "mia", "2", "--by", "Levan")
    assert picked.returncode == 0, picked.stderr
    again = consult(root, "pick", SLUG, "mia", "1")
    assert again.returncode == 1
    assert "picked already (option 2, by Levan)" in again.stderr
    with open_store(Settings(workspace=root).store_url) as store:
        [event] = [e for e in store.audit_log(MEETING) if e.action == "poll.voted"]
        assert (event.actor, event.detail["via"]) == ("Levan", "cli")
        assert store.poll(MEETING).picked == 2  # type: ignore[union-attr]
    assert len(list(Settings(workspace=root).outbox.glob("*.invitation.*.eml"))) == 4


def test_the_answers_export_says_a_meeting_votes_until_its_time_is_picked(
    write_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = planned_poll(write_workspace)

    def states() -> set[str]:
        out = tmp_path / "answers.csv"
        done = consult(
            root, "export", SLUG, "--what", "answers", "--format", "csv", "--out", str(out)
        )
        assert done.returncode == 0, done.stderr
        with out.open(encoding="utf-8-sig", newline="") as file:
            return {row["Meeting status"] for row in csv.DictReader(file)}

    assert states() == {"voting"}
    assert consult(root, "pick", SLUG, "mia", "1", "--by", "Levan").returncode == 0
    assert states() == {"invited"}
