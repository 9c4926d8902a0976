"""Flow `record-replies`: record the calendar answers in the inbox and show who answered."""

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from consult.application.counter_proposals import review_lines
from consult.application.references import round_ref
from consult.application.replies import record_replies
from consult.bootstrap import services
from consult.mail.replies import status_markdown
from consult.settings import Settings
from flows.actor import flow_actor
from flows.blocks import with_imap_block
from flows.failures import one_line_failures
from flows.parameters import FlowParameters, RoundId, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class RepliesParameters(FlowParameters):
    """Whose replies to record."""

    training: TrainingSlug
    round: RoundId = None
    workspace: WorkspaceFolder = None
    imap_block: str | None = Field(
        default=None,
        description="A 'consult IMAP mailbox' block to read the replies from, besides inbox/; "
        "empty: only inbox/ (or the CONSULT_IMAP_* settings).",
    )


@task(cache_policy=NO_CACHE)
def record(parameters: RepliesParameters) -> tuple[str, str, list[str]]:
    """Return the replies report, the round's status (Markdown) and the unreadable files.

    The report includes the counter-proposals recorded and the REFRESHes answered,
    and lists the counter-proposals waiting for the coordinator's decision.
    """
    settings = with_imap_block(Settings.for_workspace(parameters.workspace), parameters.imap_block)
    with services(settings, actor=flow_actor()) as built:
        round_ = round_ref(built.workspace, parameters.training, parameters.round)
        recorded = record_replies(built, round_)
    requests = recorded.requests
    lines = [f"- {line}" for line in requests.outcomes]
    lines += [
        f"- {d.recipient}: the current invitation, {d.outcome} (REFRESH)"
        for d in requests.refreshed
    ]
    if recorded.reviews:
        lines.append(
            "\nCounter-proposals waiting (decide with the review-counter-proposal flow):\n"
        )
        lines += [f"- {line}" for line in review_lines(recorded.reviews, round_.training)]
    markdown = recorded.report.to_markdown() + ("\n\n" + "\n".join(lines) if lines else "")
    return markdown, status_markdown(recorded.status), recorded.unread + requests.problems


@flow(name="record-replies", flow_run_name=named("record replies"))
@one_line_failures
def record_replies_flow(parameters: RepliesParameters) -> str:
    """Record the replies in inbox/ (each once) and publish who accepted, declined, or not.

    Bounces and automatic replies are recorded too: a bounced address shows in the status
    and gets no more reminders or nudges.
    """
    report, status, problems = record(parameters)
    notes = "".join(f"- {problem}\n" for problem in problems)
    create_markdown_artifact(
        key="replies",
        markdown=f"# Replies\n\n{report}\n\n# Who answered\n\n{status}\n"
        + (f"\n# Not read\n\n{notes}" if notes else ""),
        description=f"Replies of {parameters.training}",
    )
    return status
