"""Flow `plan-consultations`: propose a time for each meeting of a round, then wait for approval."""

from typing import Literal

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from consult.application import plan as planning
from consult.application.references import RoundRef, round_ref
from consult.bootstrap import services
from consult.planning.feeds import FeedResult
from consult.planning.plan import RoundPlan, keeps_everything, schedule_markdown, schedule_rows
from consult.settings import Settings
from consult.workspace.loading import Workspace, load_workspace
from flows.actor import flow_actor
from flows.desk_links import on_the_desk
from flows.failures import one_line_failures
from flows.parameters import FlowParameters, RoundId, TrainingSlug, WorkspaceFolder
from flows.run_names import named
from schemas.state import Meeting


class PlanParameters(FlowParameters):
    """Which round to plan, and how."""

    training: TrainingSlug
    round: RoundId = None
    replan: bool = Field(
        default=False, description="Move confirmed meetings too, not only proposed ones."
    )
    workspace: WorkspaceFolder = None
    review_hours: int = Field(
        default=72, ge=1, description="How long the proposal waits for a decision."
    )


class Decision(RunInput):
    """The coordinator's decision on a proposed schedule."""

    decision: Literal["approve", "send back"] = Field(
        default="approve", description="Approve confirms every proposed meeting."
    )
    comment: str = Field(default="", description="Why it goes back, or anything to record.")
    decided_by: str = Field(min_length=1, description="Your name, for the audit log.")


@task(cache_policy=NO_CACHE)
def load(settings: Settings) -> Workspace:
    """Return the validated workspace."""
    return load_workspace(settings.workspace)


@task(cache_policy=NO_CACHE)
def fetch_feeds(
    settings: Settings, workspace: Workspace, round_: RoundRef
) -> dict[str, FeedResult]:
    """Return the round's busy-time feeds, fetched (conditionally) into the cache."""
    with services(settings, workspace) as built:
        return planning.fetch_feeds(built, round_)


@task(cache_policy=NO_CACHE)
def solve_round(
    settings: Settings,
    workspace: Workspace,
    round_: RoundRef,
    feeds: dict[str, FeedResult],
    replan: bool,
) -> RoundPlan:
    """Return the round's optimal plan around the meetings of every training keeping their time."""
    with services(settings, workspace) as built:
        return planning.solve(built, round_, feeds, replan=replan)


@task(cache_policy=NO_CACHE)
def propose(settings: Settings, workspace: Workspace, plan: RoundPlan) -> list[Meeting]:
    """Return the round's meetings after storing the plan as a proposal."""
    with services(settings, workspace) as built:
        return planning.propose(built, plan, flow_actor())


@task(cache_policy=NO_CACHE)
def decide(
    settings: Settings, workspace: Workspace, round_: RoundRef, decision: Decision
) -> list[Meeting]:
    """Return the round's meetings after recording the coordinator's decision."""
    with services(settings, workspace) as built:
        return planning.decide_plan(
            built,
            round_,
            approve=decision.decision == "approve",
            by=decision.decided_by,
            comment=decision.comment,
        )


@flow(name="plan-consultations", flow_run_name=named("plan"))
@one_line_failures
def plan_consultations(parameters: PlanParameters) -> str:
    """Propose a schedule for a round, publish it, and wait for the coordinator's decision."""
    settings = Settings.for_workspace(parameters.workspace)
    workspace = load(settings)
    round_ = round_ref(workspace, parameters.training, parameters.round)
    round_id = round_.id
    feeds = fetch_feeds(settings, workspace, round_)
    plan = solve_round(settings, workspace, round_, feeds, parameters.replan)
    propose(settings, workspace, plan)  # stores nothing when every meeting keeps its confirmed time
    if keeps_everything(plan):
        count = len(plan.rows)
        return f"nothing to approve: {count} of {count} meetings keep their confirmed time"
    create_table_artifact(
        key="schedule",
        table=schedule_rows(workspace, plan),
        description=f"Proposed schedule of {parameters.training}, {round_id}",
    )
    create_markdown_artifact(
        key="schedule-summary",
        markdown=schedule_markdown(workspace, plan)
        + f"\n{on_the_desk(settings, parameters.training, decide=True)}\n",
        description="The proposal with the meetings not placed and the feeds that failed",
    )
    about = (
        f"Review the schedule artifact of {parameters.training}, {round_id}: "
        f"{plan.placed} of {len(plan.rows)} meetings placed. Approve to confirm "
        "them, or send it back with a comment."
    )
    decision = pause_flow_run(
        wait_for_input=Decision.with_initial_data(description=about, decision="approve"),
        timeout=parameters.review_hours * 3600,
        key=f"decision-{parameters.training}-{round_id}",
    )
    while decision.decision == "send back" and not decision.comment.strip():
        # A schedule goes back to its planner with the reason: ask again, keeping the choice.
        decision = pause_flow_run(
            wait_for_input=Decision.with_initial_data(
                description=f"Say in the comment why it goes back, for the planner. {about}",
                decision="send back",
                decided_by=decision.decided_by,
            ),
            timeout=parameters.review_hours * 3600,
        )
    meetings = decide(settings, workspace, round_, decision)
    confirmed = sum(1 for m in meetings if m.status == "confirmed")
    verdict = "approved" if decision.decision == "approve" else "sent back"
    return f"{verdict} by {decision.decided_by}: {confirmed} of {len(meetings)} meetings confirmed"
