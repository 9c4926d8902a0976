"""Flow `send-invitations`: send what a round's meetings call for, each message once.

A round's first send publishes what will go out (the messages per kind and
language, the recipients, one example per language) and waits for the
coordinator to confirm it in the UI; the timeline's invite step waits the same
way. With `dry_run` the messages are written to out/preview/ and nothing is sent.
"""

from typing import Literal, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.utilities.annotations import quote
from pydantic import Field

from consult.application import send
from consult.application.references import RoundRef, round_ref
from consult.bootstrap import services
from consult.mail.delivery import Delivered, delivery_rows, summary
from consult.mail.invitations import late_meetings
from consult.mail.preview import Preview, preview_markdown, preview_rows
from consult.settings import Settings
from consult.workspace.loading import Workspace, load_workspace
from flows.actor import flow_actor
from flows.blocks import with_smtp_block
from flows.desk_links import on_the_desk
from flows.failures import one_line_failures
from flows.parameters import (
    FlowParameters,
    RoundId,
    SmtpBlock,
    TrainingSlug,
    WorkspaceFolder,
)
from flows.run_names import named


class SendParameters(FlowParameters):
    """Which round's invitations to send."""

    training: TrainingSlug
    round: RoundId = None
    workspace: WorkspaceFolder = None
    smtp_block: SmtpBlock = None
    batch_size: int = Field(
        default=200, ge=1, description="About how many messages one task sends."
    )
    dry_run: bool = Field(
        default=False,
        description="Write the messages to out/preview/<training>/<round>/ instead of sending.",
    )
    review_hours: int = Field(
        default=72, ge=1, description="How long a round's first send waits for a confirmation."
    )


class SendConfirmation(RunInput):
    """The coordinator's answer to a round's first send."""

    decision: Literal["send", "do not send"] = Field(
        default="send", description="Send sends every message the preview shows."
    )
    decided_by: str = Field(min_length=1, description="Your name, for the audit log.")


@task(cache_policy=NO_CACHE)
def load(settings: Settings) -> Workspace:
    """Return the validated workspace."""
    return load_workspace(settings.workspace)


@task(cache_policy=NO_CACHE)
def batches(
    settings: Settings, workspace: Workspace, round_: RoundRef, size: int
) -> list[list[str]]:
    """Return the round's meetings in groups of about `size` attendees."""
    with services(settings, workspace) as built:
        return send.meeting_batches(built, round_, size)


@task(cache_policy=NO_CACHE)
def send_batch(
    settings: Settings, workspace: Workspace, round_: RoundRef, meetings: list[str]
) -> list[Delivered]:
    """Return what happened to each message of these meetings after sending them once."""
    with services(settings, workspace, flow_actor()) as built:
        return send.send_round(built, round_, meetings=set(meetings))


@task(cache_policy=NO_CACHE)
def look(settings: Settings, workspace: Workspace, round_: RoundRef) -> Preview | None:
    """Return what the round's first send would put out, or None when it needs no confirmation."""
    with services(settings, workspace) as built:
        return send.first_send_preview(built, round_)


@task(cache_policy=NO_CACHE)
def confirm(settings: Settings, workspace: Workspace, preview: Preview, decided_by: str) -> None:
    """Record who confirmed the round's first send."""
    with services(settings, workspace, decided_by) as built:
        send.confirm_first_send(built, preview, decided_by)


@task(cache_policy=NO_CACHE)
def dry_run(settings: Settings, workspace: Workspace, round_: RoundRef) -> str:
    """Return where the round's would-be messages were written; nothing is sent or recorded."""
    with services(settings, workspace) as built:
        done = send.dry_run(built, round_)
    publish(settings, done.preview)
    return done.summary()


def publish(settings: Settings, preview: Preview) -> None:
    """Publish what a send would put out: the recipients, and the counts with the examples."""
    about = f"{preview.training}, {preview.round}"
    create_table_artifact(
        key="send-preview", table=preview_rows(preview), description=f"Who gets what: {about}"
    )
    create_markdown_artifact(
        key="send-preview-examples",
        markdown=f"{preview_markdown(preview)}\n{on_the_desk(settings, preview.training, True)}\n",
        description=f"What goes out, with one example per language: {about}",
    )


@flow(name="send-invitations", flow_run_name=named("send"))
@one_line_failures
def send_invitations(parameters: SendParameters) -> str:
    """Send the invitations, updates and cancellations of a round; publish the delivery table."""
    settings = with_smtp_block(
        Settings.for_workspace(parameters.workspace),
        parameters.smtp_block,
    )
    workspace = load(settings)
    round_ = round_ref(workspace, parameters.training, parameters.round)
    round_id = round_.id
    # quote: Prefect would otherwise walk the whole workspace (every contact) for each task,
    # looking for upstream results in it; that cost more than building the messages.
    unwalked = cast(Workspace, quote(workspace))
    if parameters.dry_run:
        return dry_run(settings, unwalked, round_)
    preview = look(settings, unwalked, round_)
    if preview is not None:
        publish(settings, preview)
        answer = pause_flow_run(
            wait_for_input=SendConfirmation.with_initial_data(
                description=(
                    f"The first send of {parameters.training}, {round_id}: "
                    f"{preview.summary()}, from {preview.sender.email}. Check the send-preview "
                    "artifacts (who gets what, one example per language), then send, or not."
                ),
                decision="send",
            ),
            timeout=parameters.review_hours * 3600,
            key=f"send-{parameters.training}-{round_id}",
        )
        if answer.decision != "send":
            return f"not sent: {answer.decided_by} did not confirm the first send"
        confirm(settings, unwalked, preview, answer.decided_by)
    groups = batches(settings, unwalked, round_, parameters.batch_size)
    progress = create_progress_artifact(
        0.0, key="delivery-progress", description=f"{parameters.training}, {round_id}"
    )
    assert isinstance(progress, UUID)  # a sync flow gets the id, not a coroutine
    report: list[Delivered] = []
    for done, group in enumerate(groups, start=1):
        report += send_batch(settings, unwalked, round_, group)
        update_progress_artifact(progress, 100.0 * done / len(groups))
    create_table_artifact(
        key="delivery",
        table=delivery_rows(report),
        description=f"Delivery of {parameters.training}, {round_id}",
    )
    # Not sending them was right, so the run completes; the warning is what a coordinator
    # looks for, to reschedule or cancel each meeting.
    for line in late_meetings(report):
        get_run_logger().warning("too late, the meeting had started: %s", line)
    return summary(report)
