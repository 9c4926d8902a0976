"""Flow `run-due-steps`: start, for every training, the steps of its timeline due today.

Each step starts as a run of its own deployment (`run_deployment`, timeout=0),
not as a subflow: plan-consultations waits days for the coordinator's approval,
and a subflow would hold this run, and the process serving it, that long. A
started run is still this run's child in the UI. A step is claimed in the store
before its run is created, so two runs on the same day start it once; one whose
run cannot be created is released, for the next run to try again.

First it applies the workspace's retention (`consult retention --apply`): the personal
data past its period is deleted or anonymised, once; a later day's run finds it gone.
Then it closes the date polls whose deadline has passed with nobody's pick: each
takes its best option, and its calendar invitations go out (`close_due_polls`).
"""

import datetime as dt
from dataclasses import replace
from typing import Any

from prefect import flow, get_client, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from pydantic import Field

from consult.application.polls import close_due_polls
from consult.application.retention import apply_retention
from consult.application.steps import claim_step, find_due_steps, record_step_run
from consult.bootstrap import services
from consult.coordination.timeline import Step, StepKind
from consult.settings import Settings
from flows.choices import offered_deployment, workspace_choices
from flows.failures import one_line_failures
from flows.parameters import FlowParameters, WorkspaceFolder
from flows.run_names import named

ACTOR = "run-due-steps"

DEPLOYMENTS: dict[StepKind, str] = {
    "plan": "plan-consultations/plan-consultations",
    "invite": "send-invitations/send-invitations",
    "remind": "send-reminders/send-reminders",
    "brief": "compile-briefing/compile-briefing",
}
"""The deployment (flow name/deployment name) that runs each kind of step."""


class DueParameters(FlowParameters):
    """Which workspace, and which day."""

    workspace: WorkspaceFolder = None
    day: dt.date | None = Field(
        default=None,
        description="Act as if it were this day (in each training's time zone), to catch up "
        "or try a timeline; empty for today.",
    )


def run_parameters(step: Step, workspace: str | None) -> dict[str, Any]:
    """Return the parameters of the run that carries out the step."""
    fields: dict[str, Any] = {"training": step.training, "workspace": workspace}
    if step.round is not None:
        fields["round"] = step.round
    return {"parameters": fields}


@task(cache_policy=NO_CACHE)
def find_due(parameters: DueParameters) -> tuple[list[Step], list[str]]:
    """Return the steps due today over every training of the workspace, not yet done.

    And, for each training with nothing due, one line that says what comes next.
    """
    with services(Settings.for_workspace(parameters.workspace)) as built:
        return find_due_steps(built, parameters.day)


@task(cache_policy=NO_CACHE)
def close_polls(parameters: DueParameters) -> list[str]:
    """Return one line per date poll picked because its deadline passed, with its invitations."""
    with services(Settings.for_workspace(parameters.workspace)) as built:
        picked = close_due_polls(built)
    return [
        f"{p.meeting.id}: option {p.option} picked at the poll's deadline; "
        f"{sum(1 for d in p.report if d.outcome == 'sent')} invitation(s) sent"
        for p in picked
    ]


def retain(parameters: DueParameters) -> list[str]:
    """Return what the retention periods made due and the run deleted or anonymised (as on
    `day`, at noon UTC, when it is given)."""
    with services(Settings.for_workspace(parameters.workspace), actor=ACTOR) as built:
        if parameters.day is not None:
            noon = dt.datetime.combine(parameters.day, dt.time(12), dt.UTC)
            built = replace(built, clock=lambda: noon)
        return apply_retention(built, apply=True, by=ACTOR)


@task(cache_policy=NO_CACHE)
def offer(parameters: DueParameters, names: set[str]) -> None:
    """Have these deployments' forms offer the workspace's trainings and rounds as they are
    now: a training added since the runner started would be refused by the old choices."""
    with services(Settings.for_workspace(parameters.workspace)) as built:
        choices = workspace_choices(built.workspace)
    with get_client(sync_client=True) as client:
        for name in sorted(names):
            try:
                offered_deployment(client, name, choices)
            except Exception as error:  # starting the step says what is wrong with it
                get_run_logger().warning("the form of %s was not updated: %s", name, error)


@task(cache_policy=NO_CACHE)
def claim(parameters: DueParameters, step: Step) -> bool:
    """Return whether this run claims the step; False if another run started it already."""
    with services(Settings.for_workspace(parameters.workspace)) as built:
        return claim_step(built, step, ACTOR, DEPLOYMENTS[step.kind])


@task(cache_policy=NO_CACHE)
def record(parameters: DueParameters, step: Step, run: str | None, error: str | None) -> None:
    """Record the run that carries out the step, or release the step if none could start."""
    with services(Settings.for_workspace(parameters.workspace)) as built:
        record_step_run(built, step, ACTOR, DEPLOYMENTS[step.kind], run, error)


@flow(name="run-due-steps", flow_run_name=named("due steps"))
@one_line_failures
def run_due_steps(parameters: DueParameters = DueParameters()) -> str:
    """Start every training's steps due today as runs of their deployments, each step once."""
    logger = get_run_logger()
    rows: list[dict[str, str]] = []
    failed = 0
    for line in retain(parameters):
        logger.info("retention: %s", line)
    polls = close_polls(parameters)
    for line in polls:
        logger.info("%s", line)
    due, idle = find_due(parameters)
    for line in idle:
        logger.info("%s", line)
    if due:
        offer(parameters, {DEPLOYMENTS[step.kind] for step in due})
    for step in due:
        row = {
            "training": step.training,
            "step": step.key,
            "due": step.due.isoformat(),
            "deployment": DEPLOYMENTS[step.kind],
        }
        if not claim(parameters, step):
            rows.append({**row, "run": "started by another run"})
            continue
        try:
            run = run_deployment(
                DEPLOYMENTS[step.kind],
                parameters=run_parameters(step, parameters.workspace),
                timeout=0,
            )
        except Exception as error:  # the step is released and tried again on the next run
            failed += 1
            message = f"{type(error).__name__}: {error}"
            logger.error("%s of %s could not start: %s", step.key, step.training, message)
            record(parameters, step, None, message)
            rows.append({**row, "run": f"not started: {message}"})
            continue
        assert isinstance(run, FlowRun)  # a sync flow gets the run, not a coroutine
        record(parameters, step, str(run.id), None)
        rows.append({**row, "run": run.name})
    create_table_artifact(key="due-steps", table=rows, description="Steps started by this run")
    started = sum(1 for row in rows if not row["run"].startswith(("not started", "started by")))
    summary = f"{started} step(s) started" + (f", {failed} could not start" if failed else "")
    summary += "".join(f"; {line}" for line in (*polls, *idle))
    if failed:
        raise RuntimeError(summary)
    return summary
