"""Remind: the reminders, nudges and notes-missing messages due now, each sent once.

The answers waiting in inbox/ and the IMAP mailbox are recorded first, so that
nobody who accepted or declined is nudged, and no reminder goes to an address
that bounced: the daily run (flow `send-reminders`) and `consult remind` alike.
"""

from __future__ import annotations

from consult.application.references import TrainingRef
from consult.application.replies import record_answers
from consult.application.services import Services
from consult.mail import reminders
from consult.mail.delivery import Delivered


def send_reminders(built: Services, training: TrainingRef) -> list[Delivered]:
    """Return the delivery of every reminder, nudge and notes-missing message due now.

    The replies are read and recorded before anything is found due.
    """
    record_answers(built)
    return reminders.send_due(
        built.mailing(training), built.store, built.transport, lease=built.settings.claim_lease
    )
