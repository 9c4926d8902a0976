"""Flow `record-replies`: record the calendar answers in the inbox and show who answered."""

import datetime as dt

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from consult.bootstrap import read_replies, services
from consult.coordination.counters import read_inbox_requests, review_counters, review_lines
from consult.mail.notices import record_inbox
from consult.mail.replies import round_status, status_markdown
from consult.settings import Settings
from consult.workspace.rounds import resolve_round
from flows.actor import flow_actor
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
    """Return the replies report, the round's status (Markdown) and the unreadable files.

    The report includes the counter-proposals recorded and the REFRESHes answered,
    and lists the counter-proposals waiting for the coordinator's decision.
    """
    settings = with_imap_block(Settings.for_workspace(parameters.workspace), parameters.imap_block)
    with services(settings) as built:
        built.store.actor = flow_actor()
        round_id = resolve_round(built.workspace, parameters.training, parameters.round)
        read = read_replies(settings, skip=built.store.inbound_sources())
        report = record_inbox(built.store, read)
        now = dt.datetime.now(dt.UTC)
        requests = read_inbox_requests(built, now, read.requests)
        reviews = review_counters(built, parameters.training, now)
        status = round_status(built.workspace, built.store, parameters.training, round_id)
        zone = built.workspace.training(parameters.training).timezone
    lines = [f"- {line}" for line in requests.outcomes]
    lines += [
        f"- {d.recipient}: the current invitation, {d.outcome} (REFRESH)"
        for d in requests.refreshed
    ]
    if reviews:
        lines.append(
            "\nCounter-proposals waiting (decide with the review-counter-proposal flow):\n"
        )
        lines += [f"- {line}" for line in review_lines(reviews, zone)]
    # a COUNTER or REFRESH in inbox/ is no REPLY, but no problem either: it is read above
    problems = [p for p in read.problems if p.split(": ", 1)[0] not in requests.sources]
    markdown = report.to_markdown() + ("\n\n" + "\n".join(lines) if lines else "")
    return markdown, status_markdown(status), problems + requests.problems


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
