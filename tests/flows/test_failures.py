"""A wrong id or bad input ends a flow run Failed with one line, not a traceback (issue 16.8)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from prefect import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

from flows.compile_briefing import BriefingParameters, compile_briefing
from flows.record_notes import NotesParameters, record_notes
from tests.flows.test_record_notes import planned


def _logs(run_id: object, saying: str, timeout: float = 20) -> list[str]:
    """Return the run's log lines once one says `saying` (logs reach the server in batches)."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
            )
            messages = [log.message for log in found]
            if any(saying in m for m in messages) or time.monotonic() > deadline:
                return messages
            time.sleep(0.2)


def test_a_wrong_meeting_id_fails_the_run_with_one_line_naming_it(
    write_workspace: Callable[..., Path],
) -> None:
    root, _ = planned(write_workspace)
    state = record_notes(
        NotesParameters(training="winter-2027", meeting="nosuch", workspace=str(root)),
        return_state=True,
    )
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.name == "notes · winter-2027 · nosuch"  # named by what it does, not at random
    assert state.message is not None
    assert "nosuch" in state.message
    assert "\n" not in state.message
    assert "Traceback" not in state.message
    logs = _logs(state.state_details.flow_run_id, "nosuch")
    assert [m for m in logs if "nosuch" in m], logs
    assert not [m for m in logs if "Traceback" in m], logs


def test_a_wrong_training_fails_the_compile_with_one_line(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    state = compile_briefing(
        BriefingParameters(training="no-such-training", workspace=str(root)), return_state=True
    )
    assert state.is_failed()
    assert state.message is not None
    assert "no-such-training" in state.message
    assert "\n" not in state.message
    logs = _logs(state.state_details.flow_run_id, "no-such-training")
    assert [m for m in logs if "no-such-training" in m], logs
    assert not [m for m in logs if "Traceback" in m], logs
