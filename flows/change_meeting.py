"""Flows `reschedule-meeting` and `cancel-meeting`: change one meeting, tell its attendees."""

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from consult.application import changes
from consult.application.references import round_ref
from consult.bootstrap import services
from consult.mail.delivery import Delivered, delivery_rows
from consult.settings import Settings
from flows.blocks import with_smtp_block
from flows.failures import one_line_failures
from flows.parameters import RoundId, SmtpBlock, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class MeetingParameters(BaseModel):
    """Which meeting to change, and who decides."""

    training: TrainingSlug
    meeting: str = Field(description="The meeting's id in the round's plan, e.g. 'unhcr-georgia'.")
    round: RoundId = None
    decided_by: str = Field(min_length=1, description="Your name, for the audit log.")
    workspace: WorkspaceFolder = None
    smtp_block: SmtpBlock = None


class CancelParameters(MeetingParameters):
    """The meeting to call off, and why."""

    reason: str = Field(
        min_length=1,
        description="Why it is called off, for the audit log (the attendees' cancellation does "
        "not carry it: it is sent in each one's language).",
    )


class RescheduleParameters(MeetingParameters):
    """The meeting to move, and where to."""

    start: str = Field(
        description="The new start in the training's time zone, e.g. 2027-01-12T10:00."
    )
    force_reason: str = Field(
        default="",
        description="Leave empty unless the time may break planning rules (working days and "
        "hours, holidays, busy time, other meetings, the per-day maximum): then say why, for "
        "the audit log.",
    )


def _settings(parameters: MeetingParameters) -> Settings:
    settings = Settings.for_workspace(parameters.workspace)
    return with_smtp_block(settings, parameters.smtp_block)


@task(cache_policy=NO_CACHE)
def change(parameters: MeetingParameters, cancelled: bool) -> list[Delivered]:
    """Return the delivery of the updates or cancellations after changing the meeting."""
    with services(_settings(parameters), actor=parameters.decided_by) as built:
        round_ = round_ref(built.workspace, parameters.training, parameters.round)
        if cancelled:
            assert isinstance(parameters, CancelParameters)
            return changes.cancel(
                built, round_, parameters.meeting, parameters.decided_by, parameters.reason
            ).report
        assert isinstance(parameters, RescheduleParameters)
        return changes.reschedule(
            built,
            round_,
            parameters.meeting,
            parameters.start,
            parameters.decided_by,
            force=parameters.force_reason,
        ).report


@flow(name="reschedule-meeting", flow_run_name=named("reschedule"))
@one_line_failures
def reschedule_meeting(parameters: RescheduleParameters) -> str:
    """Move a meeting, if the new time keeps every planning rule, and send everyone the update."""
    report = change(parameters, cancelled=False)
    create_table_artifact(
        key="delivery", table=delivery_rows(report), description=f"Updates for {parameters.meeting}"
    )
    return f"{sum(d.outcome == 'sent' for d in report)} updates sent"


@flow(name="cancel-meeting", flow_run_name=named("cancel"))
@one_line_failures
def cancel_meeting(parameters: CancelParameters) -> str:
    """Call a meeting off and send every attendee who was told of it the cancellation."""
    report = change(parameters, cancelled=True)
    create_table_artifact(
        key="delivery",
        table=delivery_rows(report),
        description=f"Cancellations for {parameters.meeting}",
    )
    return f"{sum(d.outcome == 'sent' for d in report)} cancellations sent"
