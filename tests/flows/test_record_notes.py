"""Flow `record-notes`: the form waits, takes valid notes, asks again, or marks them missing."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL

from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.record_notes import NotesParameters, record_notes
from tests.conftest import PLANNED_AT
from tests.flows.conftest import Background
from tests.flows.runs import paused_run_id
from tests.held import held_before

ROOT = Path(__file__).resolve().parents[2]
CANARY = "CANARY-7f3a restricted words that must stay in the store"


def planned(write_workspace: Callable[..., Path]) -> tuple[Path, Settings]:
    """The tiny workspace with its meeting planned, and held before now: its notes may be taken."""
    root = write_workspace()
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(
            store,
            plan_round(load_workspace(root), "winter-2027", "round-1", {}, [], now=PLANNED_AT),
            "t",
        )
        held_before(store, "winter-2027", dt.datetime.now(dt.UTC))
    return root, settings


def day(settings: Settings) -> str:
    """The meeting's day in Tbilisi, as the form wants it."""
    with open_store(settings.store_url) as store:
        [meeting] = store.meetings("winter-2027")
    return meeting.start.astimezone(ZoneInfo("Asia/Tbilisi")).date().isoformat()


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
    write_workspace: Callable[..., Path], in_background: Background
) -> None:
    root, settings = planned(write_workspace)
    thread, outcome = in_background(
        record_notes, NotesParameters(training="winter-2027", meeting="mia", workspace=str(root))
    )
    seen: set[Any] = set()
    run_id = paused_run_id("record-notes", "notes", seen)
    too_severe = {**observation("bias", "x"), "severity": 9}
    with pytest.raises(RuntimeError, match=r"(?i)valid"):  # the form's schema refuses it
        resume_flow_run(run_id, run_input={"date": day(settings), "observations": [too_severe]})
    resume_flow_run(
        run_id,
        run_input={
            "date": day(settings),
            "attendance": [{"name": "Nino", "organisation": "mia", "role": "Head of department"}],
            "observations": [observation("burnout", "not in the taxonomy")],
        },
    )
    # asked again: burnout is no theme of this training
    run_id = paused_run_id("record-notes", "notes", seen)
    resume_flow_run(
        run_id,
        run_input={
            "date": day(settings),
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


def test_from_a_deployment_the_form_suspends_and_no_process_waits(
    write_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root, settings = planned(write_workspace)
    log = (tmp_path / "serve.log").open("w")
    served = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from flows.record_notes import record_notes; record_notes.serve(name='suspend-test')",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "PREFECT_API_URL": str(PREFECT_API_URL.value()),
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        },
    )
    try:
        run = deployment_run(
            NotesParameters(training="winter-2027", meeting="mia", workspace=str(root))
        )
        assert wait_for(run, "Suspended").state_name == "Suspended"
        resume_flow_run(
            run,
            run_input={
                "date": day(settings),
                "observations": [observation("bias", "Stored from a form.")],
            },
        )
        assert wait_for(run, "Completed").state_name == "Completed"
    finally:
        served.terminate()
        served.wait(timeout=60)
        log.close()
    with open_store(settings.store_url) as store:
        assert [o.text for o in store.observations(training="winter-2027")] == [
            "Stored from a form."
        ]


def deployment_run(parameters: NotesParameters) -> Any:
    deadline = time.monotonic() + 90
    while True:
        try:
            flow_run = run_deployment(
                "record-notes/suspend-test",
                parameters={"parameters": parameters.model_dump()},
                timeout=0,
            )
            return flow_run.id
        except ObjectNotFound:
            assert time.monotonic() < deadline, "the deployment was never served"
            time.sleep(0.5)


def wait_for(run_id: Any, state: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            flow_run = client.read_flow_run(run_id)
            finished = flow_run.state_name in ("Failed", "Crashed", "Cancelled")
            if flow_run.state_name == state or finished or time.monotonic() > deadline:
                return flow_run
            time.sleep(0.3)
