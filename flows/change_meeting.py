"""Flows `reschedule-meeting` and `cancel-meeting`: change one meeting, tell its attendees."""

import datetime as dt
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from consult.bootstrap import sender, transport
from consult.changes import cancel, find_meeting, local_start, reschedule
from consult.delivery import Delivered, delivery_rows
from consult.invitations import send_round
from consult.planning import resolve_round
from consult.settings import Settings
from consult.store import open_store
from consult.workspace import load_workspace
from flows.blocks import with_smtp_block


class MeetingParameters(BaseModel):
    """Which meeting to change, and who decides."""

    training: str = Field(
        default="intercultural-communication-2027",
        description="The training's slug: the name of its file in trainings/.",
    )
    meeting: str = Field(description="The meeting's id in the round's plan, e.g. 'unhcr-georgia'.")
    round: str | None = Field(default=None, description="The round; empty for the first.")
    decided_by: str = Field(min_length=1, description="Your name, for the audit log.")
    workspace: str | None = Field(
        default=None, description="The workspace folder on the worker; empty for the default."
    )
    smtp_block: str | None = Field(
        default=None,
        description="An EmailServerCredentials block to send through; empty for the settings.",
    )


class RescheduleParameters(MeetingParameters):
    """The meeting to move, and where to."""

    start: str = Field(
        description="The new start in the training's time zone, e.g. 2027-01-12T10:00."
    )


def _settings(parameters: MeetingParameters) -> Settings:
    settings = (
        Settings(workspace=Path(parameters.workspace)) if parameters.workspace else Settings()
    )
    return with_smtp_block(settings, parameters.smtp_block)


@task(cache_policy=NO_CACHE)
def change(parameters: MeetingParameters, cancelled: bool) -> list[Delivered]:
    """Return the delivery of the updates or cancellations after changing the meeting."""
    settings = _settings(parameters)
    workspace = load_workspace(settings.workspace)
    round_id = resolve_round(workspace, parameters.training, parameters.round)
    now = dt.datetime.now(dt.UTC)
    with open_store(settings.store_url) as store:
        meeting = find_meeting(store, parameters.training, round_id, parameters.meeting)
        if cancelled:
            meeting = cancel(store, meeting, parameters.decided_by)
        else:
            assert isinstance(parameters, RescheduleParameters)
            start = local_start(workspace, parameters.training, parameters.start)
            meeting = reschedule(store, meeting, start, parameters.decided_by, now)
        return send_round(
            workspace,
            store,
            transport(settings),
            sender(settings),
            parameters.training,
            round_id,
            now=now,
            meetings={meeting.id},
            lease=dt.timedelta(seconds=settings.claim_lease_seconds),
        )


@flow(name="reschedule-meeting")
def reschedule_meeting(parameters: RescheduleParameters) -> str:
    """Move a meeting and send every attendee the update."""
    report = change(parameters, cancelled=False)
    create_table_artifact(
        key="delivery", table=delivery_rows(report), description=f"Updates for {parameters.meeting}"
    )
    return f"{sum(d.outcome == 'sent' for d in report)} updates sent"


@flow(name="cancel-meeting")
def cancel_meeting(parameters: MeetingParameters) -> str:
    """Call a meeting off and send every attendee who was told of it the cancellation."""
    report = change(parameters, cancelled=True)
    create_table_artifact(
        key="delivery",
        table=delivery_rows(report),
        description=f"Cancellations for {parameters.meeting}",
    )
    return f"{sum(d.outcome == 'sent' for d in report)} cancellations sent"
