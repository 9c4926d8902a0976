"""The one place that builds consult's real dependencies from settings: the `Services`.

Entry points (the `consult` command, the flows, the desk) build them here and
hand them to the use cases of `consult.application`; nothing else builds a
transport, a mailbox or a store from settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from consult.application.services import Services, utc_now
from consult.mail.imap import ImapMailbox
from consult.mail.transports import Transport
from consult.mail.transports.outbox import FileOutbox
from consult.mail.transports.smtp import SmtpTransport
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace


@contextmanager
def services(
    settings: Settings | None = None,
    workspace: Workspace | None = None,
    actor: str | None = None,
) -> Iterator[Services]:
    """Yield the services that `settings` describe; close the store afterwards.

    The workspace is loaded (and so validated) before the store is opened, so a
    workspace with problems never creates or touches a database; one loaded
    already may be given. The store acts for `actor` (default: the OS user).
    """
    settings = settings or Settings()
    if workspace is None:
        workspace = load_workspace(settings.workspace)
    store = open_store(settings.store_url, actor)
    try:
        yield assemble(settings, workspace, store)
    finally:
        store.close()


def assemble(
    settings: Settings,
    workspace: Workspace,
    store: Store,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Services:
    """Return the services around a loaded workspace and an open store: the desk keeps both."""
    return Services(
        settings=settings,
        workspace=workspace,
        store=store,
        transport=transport(settings),
        mailbox=imap_mailbox(settings),
        clock=clock,
    )


def transport(settings: Settings) -> Transport:
    """Return the mail transport the settings choose: the file outbox or SMTP."""
    if settings.transport == "file":
        return FileOutbox(settings.outbox)
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        per_minute=settings.smtp_per_minute,
    )


def imap_mailbox(settings: Settings) -> ImapMailbox | None:
    """Return the IMAP mailbox the settings name for replies, or None when they name none."""
    if not settings.imap_host:
        return None
    return ImapMailbox(
        host=settings.imap_host,
        port=settings.imap_port,
        security=settings.imap_security,
        username=settings.imap_username or "",
        password=settings.imap_password.get_secret_value() if settings.imap_password else "",
        folder=settings.imap_folder,
    )
