"""Flow `record-notes`: the form waits, takes valid notes, asks again, or marks them missing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateName,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.flow_runs import resume_flow_run

from consult.planning import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace import load_workspace
from flows.record_notes import NotesParameters, record_notes

CANARY = "CANARY-7f3a restricted words that must stay in the store"


def planned(write_workspace: Callable[..., Path]) -> tuple[Path, Settings]:
    root = write_workspace()
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(load_workspace(root), "winter-2027", "round-1", {}, []), "t")
    return root, settings


def in_background(parameters: NotesParameters) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = record_notes(parameters)
        except BaseException as error:  # the test thread reports it
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def paused_run(seen: set[Any], timeout: float = 90) -> Any:
    """Return the id of a paused run, waiting for a new pause when `seen` holds earlier ones."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            for run in client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"]))
                )
            ):
                key = (run.id, run.state.timestamp if run.state else None)
                if key not in seen:
                    seen.add(key)
                    return run.id
            time.sleep(0.2)
    pytest.fail("the flow never paused for the notes form")


def observation(theme: str, text: str, confidentiality: str = "internal") -> dict[str, Any]:
    return {
        "kind": "gap",
        "theme": theme,
        "severity": 3,
        "text": text,
        "confidentiality": confidentiality,
        "speaker_role": "coordinator",
    }


def test_notes_entered_in_the_form_are_stored_and_restricted_text_is_shown_nowhere(
    write_workspace: Callable[..., Path],
) -> None:
    root, settings = planned(write_workspace)
    thread, outcome = in_background(
        NotesParameters(training="winter-2027", meeting="mia", workspace=str(root))
    )
    seen: set[Any] = set()
    run_id = paused_run(seen)
    resume_flow_run(
        run_id,
        run_input={
            "date": "2026-12-15",
            "attendance": [{"name": "Nino", "organisation": "mia", "role": "Head of department"}],
            "observations": [observation("burnout", "not in the taxonomy")],
        },
    )
    run_id = paused_run(seen)  # asked again: burnout is no theme of this training
    resume_flow_run(
        run_id,
        run_input={
            "date": "2026-12-15",
            "observations": [
                observation("bias", "Bias indicators are not recorded."),
                observation("interpreters", CANARY, "restricted"),
            ],
        },
    )
    thread.join(timeout=120)
    assert outcome.get("result") == "2 added, 0 updated, 0 unchanged, 0 rejected", outcome
    with open_store(settings.store_url) as store:
        stored = store.observations(training="winter-2027")
    assert sorted((o.theme, o.confidentiality) for o in stored) == [
        ("bias", "internal"),
        ("interpreters", "restricted"),
    ]
    with get_client(sync_client=True) as client:
        artifacts = [a for a in client.read_latest_artifacts() if a.key == "notes"]
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    assert "Bias indicators are not recorded." in str(artifacts[0].data)
    assert CANARY not in str(artifacts[0].data)
    assert logs
    assert not [log for log in logs if "CANARY" in log.message]


def test_a_form_nobody_fills_in_marks_the_notes_missing(
    write_workspace: Callable[..., Path],
) -> None:
    root, settings = planned(write_workspace)
    result = record_notes(
        NotesParameters(training="winter-2027", meeting="mia", workspace=str(root), wait_seconds=2)
    )
    assert result == "notes missing"
    with open_store(settings.store_url) as store:
        [meeting] = store.meetings("winter-2027", "round-1")
    assert meeting.status == "notes_missing"
