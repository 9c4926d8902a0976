"""Flow `send-invitations` on a round's first send: it shows what goes out and waits for a yes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from prefect.flow_runs import resume_flow_run

from consult.mail.preview import CONFIRMED
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.send_invitations import SendParameters, send_invitations
from tests.conftest import LIVE_PLANNED_AT, LIVE_TRAINING
from tests.flows.conftest import Background
from tests.flows.runs import artifact, paused_run_id


@pytest.fixture
def root(write_workspace: Callable[..., Path]) -> Path:
    """A tiny workspace whose round is planned and approved, never sent."""
    root = write_workspace(trainings={"winter-2027": LIVE_TRAINING})
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        planned = plan_round(workspace, "winter-2027", "round-1", {}, [], now=LIVE_PLANNED_AT)
        save_plan(store, planned, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
    return root


def test_the_first_send_waits_with_the_preview_and_sends_once_confirmed(
    root: Path, in_background: Background
) -> None:
    settings = Settings(workspace=root)
    parameters = SendParameters(training="winter-2027", workspace=str(root))
    thread, outcome = in_background(send_invitations, parameters)
    run_id = paused_run_id("send-invitations", "confirmation")
    assert not settings.outbox.exists()
    assert "Ministry of Internal Affairs" in artifact("send-preview")
    examples = artifact("send-preview-examples")
    assert "| invitation | ka | 1 |" in examples
    assert "## Example in ka" in examples
    assert "## Example in en" in examples

    resume_flow_run(run_id, run_input={"decision": "send", "decided_by": "Nino"})
    thread.join(timeout=120)
    assert outcome.get("result") == "2 sent", outcome
    with open_store(settings.store_url) as store:
        [event] = [e for e in store.audit_log("winter-2027/round-1") if e.action == CONFIRMED]
    assert event.actor == "Nino"
    # once confirmed, the round's later sends do not wait
    assert send_invitations(parameters) == "2 already sent"


def test_a_first_send_not_confirmed_sends_nothing(root: Path, in_background: Background) -> None:
    settings = Settings(workspace=root)
    parameters = SendParameters(training="winter-2027", workspace=str(root))
    thread, outcome = in_background(send_invitations, parameters)
    resume_flow_run(
        paused_run_id("send-invitations", "confirmation"),
        run_input={"decision": "do not send", "decided_by": "Nino"},
    )
    thread.join(timeout=120)
    assert outcome.get("result") == "not sent: Nino did not confirm the first send", outcome
    assert not settings.outbox.exists()
    with open_store(settings.store_url) as store:
        assert store.messages() == []


def test_a_dry_run_writes_the_messages_and_records_nothing(root: Path) -> None:
    settings = Settings(workspace=root)
    parameters = SendParameters(training="winter-2027", workspace=str(root), dry_run=True)
    result = send_invitations(parameters)
    folder = (settings.out_dir / "preview" / "winter-2027" / "round-1").resolve()
    assert result == f"dry run: 2 messages written to {folder}; nothing was sent"
    assert len(list(folder.glob("*.eml"))) == 2
    with open_store(settings.store_url) as store:
        assert store.messages() == []
