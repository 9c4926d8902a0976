"""Flow `send-reminders`: the daily run of reminders, nudges and notes-missing messages."""

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from consult.application.references import training_ref
from consult.application.remind import send_reminders as send_due_messages
from consult.bootstrap import services
from consult.mail.delivery import Delivered, delivery_rows, summary
from consult.mail.invitations import late_meetings
from consult.settings import Settings
from flows.actor import flow_actor
from flows.blocks import with_smtp_block
from flows.failures import one_line_failures
from flows.parameters import FlowParameters, SmtpBlock, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class ReminderParameters(FlowParameters):
    """Whose reminders to send."""

    training: TrainingSlug
    workspace: WorkspaceFolder = None
    smtp_block: SmtpBlock = None


@task(cache_policy=NO_CACHE)
def send_due(parameters: ReminderParameters) -> list[Delivered]:
    """Return the delivery of every reminder, nudge and notes-missing message due now."""
    settings = with_smtp_block(
        Settings.for_workspace(parameters.workspace),
        parameters.smtp_block,
    )
    with services(settings, actor=flow_actor()) as built:
        return send_due_messages(built, training_ref(built.workspace, parameters.training))


@flow(name="send-reminders", flow_run_name=named("remind"))
@one_line_failures
def send_reminders(parameters: ReminderParameters) -> str:
    """Send what is due today; running it twice sends nothing twice."""
    report = send_due(parameters)
    create_table_artifact(
        key="reminders",
        table=delivery_rows(report),
        description=f"Reminders of {parameters.training}",
    )
    for line in late_meetings(report):
        get_run_logger().warning("too late, the meeting had started: %s", line)
    return summary(report, "nothing due", by_kind=True)
