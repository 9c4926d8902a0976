"""Remind: the reminders, nudges and notes-missing messages due now, each sent once."""

from __future__ import annotations

from consult.application.references import TrainingRef
from consult.application.services import Services
from consult.mail import reminders
from consult.mail.delivery import Delivered


def send_reminders(built: Services, training: TrainingRef) -> list[Delivered]:
    """Return the delivery of every reminder, nudge and notes-missing message due now."""
    return reminders.send_due(
        built.mailing(training), built.store, built.transport, lease=built.settings.claim_lease
    )
