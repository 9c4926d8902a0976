"""Flow `send-invitations`: send what a round's meetings call for, each message once."""

import datetime as dt
from typing import cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote
from pydantic import Field

from consult.bootstrap import Services, send_messages
from consult.mail.delivery import Delivered, delivery_rows, summary
from consult.mail.invitations import late_meetings
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import Workspace, load_workspace
from consult.workspace.rounds import resolve_round
from flows.blocks import with_smtp_block
from flows.parameters import (
    DEMO_TRAINING,
    FlowParameters,
    RoundId,
    SmtpBlock,
    TrainingSlug,
    WorkspaceFolder,
)


class SendParameters(FlowParameters):
    """Which round's invitations to send."""

    training: TrainingSlug = DEMO_TRAINING
    round: RoundId = None
    workspace: WorkspaceFolder = None
    smtp_block: SmtpBlock = None
    batch_size: int = Field(
        default=200, ge=1, description="About how many messages one task sends."
    )


@task(cache_policy=NO_CACHE)
def load(settings: Settings) -> Workspace:
    """Return the validated workspace."""
    return load_workspace(settings.workspace)


@task(cache_policy=NO_CACHE)
def batches(settings: Settings, training: str, round_id: str, size: int) -> list[list[str]]:
    """Return the round's meetings in groups of about `size` attendees."""
    groups: list[list[str]] = [[]]
    count = 0
    with open_store(settings.store_url) as store:
        for meeting in store.meetings(training, round_id):
            attendees = len(store.attendees(meeting.id))
            if groups[-1] and count + attendees > size:
                groups.append([])
                count = 0
            groups[-1].append(meeting.id)
            count += attendees
    return [group for group in groups if group]


@task(cache_policy=NO_CACHE)
def send_batch(
    settings: Settings, workspace: Workspace, training: str, round_id: str, meetings: list[str]
) -> list[Delivered]:
    """Return what happened to each message of these meetings after sending them once."""
    with open_store(settings.store_url) as store:
        return send_messages(
            Services(settings, workspace, store),
            training,
            round_id,
            dt.datetime.now(dt.UTC),
            meetings=set(meetings),
        )


@flow(name="send-invitations")
def send_invitations(parameters: SendParameters = SendParameters()) -> str:
    """Send the invitations, updates and cancellations of a round; publish the delivery table."""
    settings = with_smtp_block(
        Settings.for_workspace(parameters.workspace),
        parameters.smtp_block,
    )
    workspace = load(settings)
    round_id = resolve_round(workspace, parameters.training, parameters.round)
    groups = batches(settings, parameters.training, round_id, parameters.batch_size)
    progress = create_progress_artifact(
        0.0, key="delivery-progress", description=f"{parameters.training}, {round_id}"
    )
    assert isinstance(progress, UUID)  # a sync flow gets the id, not a coroutine
    report: list[Delivered] = []
    # quote: Prefect would otherwise walk the whole workspace (every contact) for each batch,
    # looking for upstream results in it; that cost more than building the messages.
    unwalked = cast(Workspace, quote(workspace))
    for done, group in enumerate(groups, start=1):
        report += send_batch(settings, unwalked, parameters.training, round_id, group)
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
