"""`consult send` onto a full disk: one sentence naming the outbox, exit 1, nothing half-sent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.cli.app import main
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT

SLUG = "winter-2027"


def confirmed(root: Path) -> Settings:
    """Plan and approve the tiny round at `root`; return its settings."""
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        plan = plan_round(load_workspace(root), SLUG, "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
        store.decide_round(SLUG, "round-1", approve=True, actor="test")
    return settings


def send(root: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Return the exit code of `consult send --yes`, run in this process as the command runs."""
    monkeypatch.setattr(sys, "argv", ["consult", "send", SLUG, "--yes", "--workspace", str(root)])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0)


def test_a_full_disk_under_the_outbox_ends_the_send_in_one_sentence_and_sends_nothing_half(
    write_workspace: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    full_disk: Callable[[], None],
) -> None:
    root = write_workspace()
    settings = confirmed(root)
    monkeypatch.setenv("COLUMNS", "400")
    full_disk()

    code = send(root, monkeypatch)

    [line] = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert line.startswith(f"cannot write {settings.outbox}/")
    assert line.endswith(
        f": the disk is full (ENOSPC); free space on the disk that holds {settings.outbox}"
    )
    assert list(settings.outbox.iterdir()) == []  # no .eml, whole or in part
    with open_store(settings.store_url) as store:
        assert {m.status for m in store.messages()} <= {"pending"}  # none marked sent

    monkeypatch.undo()  # the disk has room again: the next send sends both
    assert send(root, monkeypatch) == 0
    assert len(list(settings.outbox.glob("*.eml"))) == 2
