"""What every use case works with: settings, workspace, store, transport, senders and a clock.

`consult.bootstrap` builds the real ones from settings; a test builds its own,
with a file outbox and a fixed clock. A use case takes one `Services` and a
reference to the training or round it acts on (`consult.application.references`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from consult.answers.tokens import PageLinks
from consult.application.references import TrainingRef
from consult.mail.imap import ImapMailbox
from consult.mail.mailing import Mailing
from consult.mail.sender import Sender, choose_sender
from consult.mail.transports import Transport
from consult.settings import Settings
from consult.store import Store
from consult.workspace.loading import Workspace


def utc_now() -> dt.datetime:
    """Return the current time in UTC: the clock of the real services."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Services:
    """The loaded workspace, the open store, the mail transport and the clock, with settings."""

    settings: Settings
    workspace: Workspace
    store: Store
    transport: Transport
    mailbox: ImapMailbox | None = None
    """The IMAP mailbox replies arrive in besides inbox/, when the settings name one."""
    clock: Callable[[], dt.datetime] = utc_now
    _senders: dict[str | None, Sender] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def now(self) -> dt.datetime:
        """Return the clock's time: the moment a use case acts at."""
        return self.clock()

    def sender(self, training: str | None = None) -> Sender:
        """Return who the training's messages come from (without one: the workspace's sender).

        Worked out once per training for these services: sending, previewing and
        answering all use the same one. Raises SenderError when SMTP would send
        from a domain for examples and tests.
        """
        if training not in self._senders:
            self._senders[training] = choose_sender(self.settings, self.workspace, training)
        return self._senders[training]

    def mailing(self, training: TrainingRef) -> Mailing:
        """Return what sending the training's messages now needs: its file, sender and moment.

        The training is the one its reference resolved: a send looks it up no more.
        """
        return Mailing(
            self.workspace,
            training.slug,
            training.training,
            self.sender(training.slug),
            self.now(),
            links=PageLinks.of(self.settings),
        )
