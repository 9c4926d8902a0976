"""Flow `run-due-steps`: starts each training's due steps as runs of their deployments, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

from consult.settings import Settings
from consult.store import MeetingPlan, open_store
from flows.compile_briefing import compile_briefing
from flows.plan_consultations import plan_consultations
from flows.run_due_steps import DueParameters, run_due_steps
from flows.send_invitations import send_invitations
from flows.send_reminders import send_reminders
from tests.conftest import TINY_STAKEHOLDERS


@pytest.fixture(scope="module")
def deployments() -> None:
    """The deployments the timeline starts, created (not served) on the test server."""
    for each in (plan_consultations, send_invitations, send_reminders, compile_briefing):
        each.to_deployment(name=each.name).apply()


def runs_of(deployment: str) -> list[dict[str, Any]]:
    """Return the parameters of the runs created for a deployment, oldest first.

    Each is a child of the run-due-steps run that started it.
    """
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
        )
        for run in runs:
            assert run.parent_task_run_id is not None
            parent = client.read_task_run(run.parent_task_run_id)
            assert parent.flow_run_id is not None
            starter = client.read_flow_run(parent.flow_run_id)
            assert client.read_flow(starter.flow_id).name == "run-due-steps"
    return [run.parameters for run in sorted(runs, key=lambda run: run.created or 0)]


def test_due_steps_start_once_each_as_runs_of_their_deployments(
    deployments: None, write_workspace: Callable[..., Path]
) -> None:
    root = write_workspace()
    at = {"workspace": str(root)}
    # The round opens on 14 December: planned on the 2nd, invited on the 7th (T-55, T-50).
    plan_day = DueParameters(workspace=str(root), day=dt.date(2026, 12, 2))
    assert run_due_steps(plan_day) == "1 step(s) started"
    # The second run of the day; the plan's run was created, its schedule not yet approved.
    assert run_due_steps(plan_day) == (
        "0 step(s) started; winter-2027: nothing due today; "
        "next: round-1: send the round's invitations, once the schedule is approved"
    )
    assert runs_of("plan-consultations") == [
        {"parameters": {"training": "winter-2027", "round": "round-1", **at}}
    ]
    invite_day = DueParameters(workspace=str(root), day=dt.date(2026, 12, 7))
    assert run_due_steps(invite_day) == "1 step(s) started"  # the reminders only
    assert runs_of("send-invitations") == []
    with open_store(Settings(workspace=root).store_url) as store:
        store.decide_round("winter-2027", "round-1", approve=True, actor="Nino Beridze")
    assert run_due_steps(invite_day) == "1 step(s) started"  # now the invitations
    assert run_due_steps(invite_day).startswith("0 step(s) started; winter-2027: nothing due")
    assert runs_of("send-invitations") == [
        {"parameters": {"training": "winter-2027", "round": "round-1", **at}}
    ]
    assert runs_of("send-reminders") == [{"parameters": {"training": "winter-2027", **at}}]
    t_minus_7 = DueParameters(workspace=str(root), day=dt.date(2027, 1, 19))
    assert run_due_steps(t_minus_7) == "2 step(s) started"
    assert runs_of("compile-briefing") == [{"parameters": {"training": "winter-2027", **at}}]
    assert len(runs_of("plan-consultations")) == 1
    with open_store(Settings(workspace=root).store_url) as store:
        assert store.started_steps("winter-2027") == {
            "plan/round-1",
            "invite/round-1",
            "remind/2026-12-07",
            "remind/2027-01-19",
            "brief",
        }


def test_a_round_planned_and_approved_by_hand_is_not_planned_again(
    deployments: None, write_workspace: Callable[..., Path]
) -> None:
    root = write_workspace()
    with open_store(Settings(workspace=root).store_url) as store:
        store.decide_round("winter-2027", "round-1", approve=True, actor="Nino Beridze")
    before_invitations = DueParameters(workspace=str(root), day=dt.date(2026, 12, 3))
    before = len(runs_of("plan-consultations"))
    assert run_due_steps(before_invitations) == (
        "0 step(s) started; winter-2027: nothing due today; "
        "next: round-1: send the round's invitations on 2026-12-07"
    )
    assert len(runs_of("plan-consultations")) == before


def test_a_step_whose_deployment_is_missing_fails_the_run_and_is_tried_again(
    deployments: None, write_workspace: Callable[..., Path]
) -> None:
    root = write_workspace()
    with get_client(sync_client=True) as client:
        [deployment] = client.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["compile-briefing"]))
        )
        client.delete_deployment(deployment.id)
    try:
        t_minus_7 = DueParameters(workspace=str(root), day=dt.date(2027, 1, 19))
        state = run_due_steps(t_minus_7, return_state=True)
        assert state.is_failed()
        with open_store(Settings(workspace=root).store_url) as store:
            assert "brief" not in store.started_steps("winter-2027")
    finally:
        compile_briefing.to_deployment(name="compile-briefing").apply()
    assert run_due_steps(t_minus_7) == "1 step(s) started"


def test_a_date_poll_past_its_deadline_is_closed_with_its_best_time_and_invited(
    write_workspace: Callable[..., Path],
) -> None:
    import sqlalchemy as sa

    from consult.store.tables import polls
    from tests.polls import MEETING, NINO, planned_poll

    root = planned_poll(write_workspace)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        store.record_votes(MEETING, NINO, {2: "yes"}, "page", NINO)
    engine = sa.create_engine(settings.store_url)
    try:
        with engine.begin() as connection:  # voting closed an hour ago
            closed = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
            connection.execute(sa.update(polls).values(deadline=closed))
    finally:
        engine.dispose()
    summary = run_due_steps(DueParameters(workspace=str(root)))
    assert summary.startswith(
        "0 step(s) started; winter-2027/round-1/mia: option 2 picked at the poll's deadline; "
        "4 invitation(s) sent; winter-2027: nothing due today"
    )
    again = run_due_steps(DueParameters(workspace=str(root)))
    assert "picked" not in again
    with open_store(settings.store_url) as store:
        poll = store.poll(MEETING)
    assert poll is not None
    assert (poll.picked, poll.picked_by) == (2, "deadline")
    assert len(list(settings.outbox.glob("*.invitation.*.eml"))) == 4


def test_the_daily_run_applies_the_retention_first_and_once(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(TINY_STAKEHOLDERS + "retention:\n  messages: 30 days\n")
    start = dt.datetime(2026, 12, 15, 8, tzinfo=dt.UTC)
    with open_store(Settings(workspace=root).store_url) as store:
        meeting = store.upsert_meeting(
            MeetingPlan(
                id="winter-2027/round-1/mia",
                training="winter-2027",
                round="round-1",
                organisation="mia",
                format="online",
                start=start,
                end=start + dt.timedelta(hours=1),
                location="https://meet.example.org/mia",
                facilitators=["lela@example.org"],
            )
        )
        store.claim_message(meeting.id, "nino@mia.example.gov.ge", 0, "invitation")
    after = DueParameters(workspace=str(root), day=dt.date(2027, 4, 1))

    run_due_steps(after)
    run_due_steps(after)

    with open_store(Settings(workspace=root).store_url) as store:
        assert store.messages() == []
        applied = [e for e in store.audit_log() if e.action == "retention.applied"]
        assert [(e.actor, e.subject, e.detail["messages"]) for e in applied] == [
            ("run-due-steps", "winter-2027", 1)
        ]
