"""Remind: the reminders, nudges and notes-missing messages due now, each sent once."""

from __future__ import annotations

from consult.application.references import TrainingRef
from consult.application.services import Services
from consult.mail import reminders
from consult.mail.delivery import Delivered
from consult.mail.mailing import Mailing


def send_reminders(built: Services, training: TrainingRef) -> list[Delivered]:
    """Return the delivery of every reminder, nudge and notes-missing message due now."""
    mail = Mailing(
        built.workspace, training.slug, training.training, built.sender(training.slug), built.now()
    )
    return reminders.send_due(mail, built.store, built.transport, lease=built.settings.claim_lease)
