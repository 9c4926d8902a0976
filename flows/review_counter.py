"""Flow `review-counter-proposal`: show an attendee's proposed new time, wait for the decision."""

from typing import Literal

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from consult.application.counter_proposals import decide_counter, review_counters, review_lines
from consult.application.references import round_ref
from consult.bootstrap import services
from consult.mail.delivery import Delivered, delivery_rows
from consult.settings import Settings
from flows.blocks import with_smtp_block
from flows.failures import one_line_failures
from flows.parameters import (
    FlowParameters,
    RoundId,
    SmtpBlock,
    TrainingSlug,
    WorkspaceFolder,
)
from flows.run_names import named


class CounterParameters(FlowParameters):
    """Which meeting's counter-proposal to decide."""

    training: TrainingSlug
    meeting: str = Field(description="The meeting's id in the round's plan, e.g. 'mia'.")
    round: RoundId = None
    workspace: WorkspaceFolder = None
    smtp_block: SmtpBlock = None
    review_hours: int = Field(default=72, ge=1, description="How long it waits for a decision.")


class CounterDecision(RunInput):
    """The coordinator's decision on an attendee's proposed new time."""

    decision: Literal["accept", "decline"] = Field(
        default="decline",
        description="Accept moves the meeting there (if it keeps every planning rule) and "
        "updates everyone; decline keeps the time and tells the proposer.",
    )
    comment: str = Field(default="", description="Why; a decline sends it to the proposer.")
    decided_by: str = Field(min_length=1, description="Your name, for the audit log.")


def _settings(parameters: CounterParameters) -> Settings:
    return with_smtp_block(Settings.for_workspace(parameters.workspace), parameters.smtp_block)


@task(cache_policy=NO_CACHE)
def review(parameters: CounterParameters) -> str:
    """Return the meeting's waiting counter-proposal and the rules it breaks, as Markdown."""
    with services(_settings(parameters)) as built:
        round_ = round_ref(built.workspace, parameters.training, parameters.round)
        planned = round_.meeting_id(parameters.meeting)
        reviews = [r for r in review_counters(built, round_.training) if r.meeting.id == planned]
    lines = review_lines(reviews, round_.training)
    return "\n".join(f"    {line}" for line in lines)


@task(cache_policy=NO_CACHE)
def decide(parameters: CounterParameters, decision: CounterDecision) -> list[Delivered]:
    """Return the delivery of the update or the DECLINECOUNTER the decision calls for."""
    with services(_settings(parameters)) as built:
        return decide_counter(
            built,
            round_ref(built.workspace, parameters.training, parameters.round),
            parameters.meeting,
            accept=decision.decision == "accept",
            by=decision.decided_by,
            comment=decision.comment,
        )


@flow(name="review-counter-proposal", flow_run_name=named("counter-proposal"))
@one_line_failures
def review_counter_proposal(parameters: CounterParameters) -> str:
    """Show a meeting's counter-proposal with the rules it breaks, and apply the decision."""
    shown = review(parameters)
    if not shown:
        return f"{parameters.meeting}: no counter-proposal waiting"
    create_markdown_artifact(
        key="counter-proposal",
        markdown=f"# Counter-proposal: {parameters.meeting}\n\n{shown}\n",
        description=f"The proposed time for {parameters.meeting}, checked against the rules",
    )
    decision = pause_flow_run(
        wait_for_input=CounterDecision.with_initial_data(
            description=(
                f"Review the counter-proposal artifact for {parameters.meeting}: accept moves "
                "the meeting there and updates everyone, decline tells the proposer."
            ),
            decision="decline",
        ),
        timeout=parameters.review_hours * 3600,
        key=f"counter-{parameters.training}-{parameters.meeting}",
    )
    report = decide(parameters, decision)
    create_table_artifact(
        key="delivery", table=delivery_rows(report), description="What the decision sent"
    )
    verdict = "accepted" if decision.decision == "accept" else "declined"
    return f"{verdict} by {decision.decided_by}: {sum(d.outcome == 'sent' for d in report)} sent"
