"""Flow `plan-consultations`: proposes, publishes, pauses, records the decision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run

from consult.settings import Settings
from consult.store import open_store
from flows.plan_consultations import PlanParameters, plan_consultations
from tests.conftest import LIVE_TRAINING
from tests.flows.conftest import Background
from tests.flows.runs import artifact, paused_run_id


@pytest.fixture
def workspace(write_workspace: Callable[..., Path]) -> Path:
    """A tiny workspace whose round has one meeting with the Ministry, dated for today."""
    return write_workspace(trainings={"winter-2027": LIVE_TRAINING})


def test_an_approved_proposal_confirms_the_meetings_and_records_who(
    workspace: Path, in_background: Background
) -> None:
    thread, outcome = in_background(
        plan_consultations, PlanParameters(training="winter-2027", workspace=str(workspace))
    )
    run_id = paused_run_id("plan-consultations", "decision")
    with open_store(Settings(workspace=workspace).store_url) as store:
        [meeting] = store.meetings("winter-2027", "round-1")
        assert meeting.status == "proposed"
    assert "Ministry of Internal Affairs" in artifact("schedule")
    summary = artifact("schedule-summary")
    assert "](http://127.0.0.1:4280/trainings/winter-2027)" in summary
    assert "](http://127.0.0.1:4280/decisions)" in summary

    resume_flow_run(run_id, run_input={"decision": "approve", "decided_by": "Nino", "comment": ""})
    thread.join(timeout=120)
    assert outcome.get("result") == "approved by Nino: 1 of 1 meetings confirmed", outcome

    with open_store(Settings(workspace=workspace).store_url) as store:
        [meeting] = store.meetings("winter-2027", "round-1")
        assert meeting.status == "confirmed"
        [event] = [
            e for e in store.audit_log("winter-2027/round-1") if e.action == "round.approved"
        ]
        assert event.actor == "Nino"
        assert event.detail["meetings"] == ["winter-2027/round-1/mia"]


def test_a_proposal_sent_back_stays_proposed_with_the_comment(
    workspace: Path, in_background: Background
) -> None:
    thread, outcome = in_background(
        plan_consultations, PlanParameters(training="winter-2027", workspace=str(workspace))
    )
    resume_flow_run(
        paused_run_id("plan-consultations", "decision"),
        run_input={"decision": "send back", "decided_by": "Nino", "comment": "not before noon"},
    )
    thread.join(timeout=120)
    assert outcome.get("result") == "sent back by Nino: 0 of 1 meetings confirmed", outcome

    with open_store(Settings(workspace=workspace).store_url) as store:
        assert [m.status for m in store.meetings("winter-2027", "round-1")] == ["proposed"]
        [event] = [
            e for e in store.audit_log("winter-2027/round-1") if e.action == "round.sent_back"
        ]
        assert event.detail["comment"] == "not before noon"


def test_a_schedule_sent_back_without_a_comment_is_asked_for_the_reason(
    workspace: Path, in_background: Background
) -> None:
    thread, outcome = in_background(
        plan_consultations, PlanParameters(training="winter-2027", workspace=str(workspace))
    )
    seen: set[Any] = set()
    first = paused_run_id("plan-consultations", "decision", seen)
    resume_flow_run(first, run_input={"decision": "send back", "decided_by": "Nino"})
    again = paused_run_id("plan-consultations", "decision", seen)
    assert again == first
    with open_store(Settings(workspace=workspace).store_url) as store:
        assert [e for e in store.audit_log("winter-2027/round-1") if "sent_back" in e.action] == []
    resume_flow_run(
        again, run_input={"decision": "send back", "decided_by": "Nino", "comment": "no Fridays"}
    )
    thread.join(timeout=120)
    assert outcome.get("result") == "sent back by Nino: 0 of 1 meetings confirmed", outcome
    with open_store(Settings(workspace=workspace).store_url) as store:
        [event] = [
            e for e in store.audit_log("winter-2027/round-1") if e.action == "round.sent_back"
        ]
    assert event.detail["comment"] == "no Fridays"


def test_planning_an_approved_round_again_asks_nothing_and_keeps_it_approved(
    workspace: Path, in_background: Background
) -> None:
    from consult.coordination.timeline import progress

    parameters = PlanParameters(training="winter-2027", workspace=str(workspace))
    thread, outcome = in_background(plan_consultations, parameters)
    resume_flow_run(
        paused_run_id("plan-consultations", "decision"),
        run_input={"decision": "approve", "decided_by": "Nino", "comment": ""},
    )
    thread.join(timeout=120)
    assert str(outcome.get("result", "")).startswith("approved by Nino")

    thread, outcome = in_background(plan_consultations, parameters)
    thread.join(timeout=90)
    if thread.is_alive():  # it paused to ask again: answer, so no later test finds it waiting
        resume_flow_run(
            paused_run_id("plan-consultations", "decision"),
            run_input={"decision": "send back", "decided_by": "test", "comment": ""},
        )
        thread.join(timeout=120)
    assert outcome.get("result") == "nothing to approve: 1 of 1 meetings keep their confirmed time"
    with open_store(Settings(workspace=workspace).store_url) as store:
        proposed = [
            e for e in store.audit_log("winter-2027/round-1") if e.action == "round.proposed"
        ]
        assert len(proposed) == 1
        assert progress(store, "winter-2027").schedules["round-1"] == "approved"
