"""Flow `send-reminders`: the daily run of reminders, nudges and notes-missing messages."""

import datetime as dt
from collections import Counter
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from consult.bootstrap import sender, transport
from consult.delivery import Delivered, deliver, delivery_rows
from consult.reminders import due_messages
from consult.settings import Settings
from consult.store import open_store
from consult.workspace import load_workspace
from flows.blocks import with_smtp_block


class ReminderParameters(BaseModel):
    """Whose reminders to send."""

    training: str = Field(
        default="intercultural-communication-2027",
        description="The training's slug: the name of its file in trainings/.",
    )
    workspace: str | None = Field(
        default=None, description="The workspace folder on the worker; empty for the default."
    )
    smtp_block: str | None = Field(
        default=None,
        description="An EmailServerCredentials block to send through; empty for the settings.",
    )


@task(cache_policy=NO_CACHE)
def send_due(parameters: ReminderParameters) -> list[Delivered]:
    """Return the delivery of every reminder, nudge and notes-missing message due now."""
    settings = with_smtp_block(
        Settings(workspace=Path(parameters.workspace)) if parameters.workspace else Settings(),
        parameters.smtp_block,
    )
    workspace = load_workspace(settings.workspace)
    with open_store(settings.store_url) as store:
        due = due_messages(
            workspace, store, sender(settings), parameters.training, dt.datetime.now(dt.UTC)
        )
        return deliver(
            store,
            transport(settings),
            due,
            domain=settings.mail_domain,
            lease=dt.timedelta(seconds=settings.claim_lease_seconds),
        )


@flow(name="send-reminders")
def send_reminders(parameters: ReminderParameters | None = None) -> str:
    """Send what is due today; running it twice sends nothing twice."""
    parameters = parameters or ReminderParameters()
    report = send_due(parameters)
    create_table_artifact(
        key="reminders",
        table=delivery_rows(report),
        description=f"Reminders of {parameters.training}",
    )
    counts = Counter(f"{d.kind} {d.outcome}" for d in report)
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing due"
