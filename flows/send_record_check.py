"""Flow `send-record-check`: each organisation is sent what was recorded from its meeting."""

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from consult.application.record_check import CheckReport, send_record_checks
from consult.application.references import training_ref
from consult.bootstrap import services
from consult.mail.delivery import delivery_rows, summary
from consult.settings import Settings
from flows.actor import flow_actor
from flows.blocks import with_smtp_block
from flows.failures import one_line_failures
from flows.parameters import FlowParameters, SmtpBlock, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class RecordCheckParameters(FlowParameters):
    """Whose records to send to check."""

    training: TrainingSlug
    workspace: WorkspaceFolder = None
    smtp_block: SmtpBlock = None


@task(cache_policy=NO_CACHE)
def send_checks(parameters: RecordCheckParameters) -> CheckReport:
    """Return what was opened and sent of the check of the record of the training's meetings."""
    settings = with_smtp_block(
        Settings.for_workspace(parameters.workspace),
        parameters.smtp_block,
    )
    actor = flow_actor()
    with services(settings, actor=actor) as built:
        return send_record_checks(
            built, training_ref(built.workspace, parameters.training), by=actor
        )


@flow(name="send-record-check", flow_run_name=named("check the record"))
@one_line_failures
def send_record_check(parameters: RecordCheckParameters) -> str:
    """Send each organisation consulted the record of its meeting to confirm or correct on its
    page; running it again sends nothing twice."""
    report = send_checks(parameters)
    create_table_artifact(
        key="record-check",
        table=delivery_rows(report.delivered),
        description=f"Check of the record of {parameters.training}",
    )
    for line in report.skipped:
        get_run_logger().warning("not sent: %s", line)
    opened = f"{len(report.opened)} meeting(s) opened; " if report.opened else ""
    return opened + summary(report.delivered, "no record to check", by_kind=True)
