"""Flow `record-replies`: record the calendar answers in the inbox and show who answered."""

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from consult.bootstrap import read_replies
from consult.mail.notices import record_inbox
from consult.mail.replies import round_status, status_markdown
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.rounds import resolve_round
from flows.blocks import with_imap_block
from flows.failures import one_line_failures
from flows.parameters import DEMO_TRAINING, FlowParameters, RoundId, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class RepliesParameters(FlowParameters):
    """Whose replies to record."""

    training: TrainingSlug = DEMO_TRAINING
    round: RoundId = None
    workspace: WorkspaceFolder = None
    imap_block: str | None = Field(
        default=None,
        description="A 'consult IMAP mailbox' block to read the replies from, besides inbox/; "
        "empty: only inbox/ (or the CONSULT_IMAP_* settings).",
    )


@task(cache_policy=NO_CACHE)
def record(parameters: RepliesParameters) -> tuple[str, str, list[str]]:
    """Return the replies report, the round's status (Markdown) and the unreadable files."""
    settings = with_imap_block(Settings.for_workspace(parameters.workspace), parameters.imap_block)
    workspace = load_workspace(settings.workspace)
    round_id = resolve_round(workspace, parameters.training, parameters.round)
    with open_store(settings.store_url) as store:
        read = read_replies(settings, skip=store.inbound_sources())
        report = record_inbox(store, read)
        status = round_status(workspace, store, parameters.training, round_id)
    return report.to_markdown(), status_markdown(status), read.problems


@flow(name="record-replies", flow_run_name=named("record replies"))
@one_line_failures
def record_replies_flow(parameters: RepliesParameters = RepliesParameters()) -> str:
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
