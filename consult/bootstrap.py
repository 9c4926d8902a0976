"""The one place that builds consult's real dependencies from settings."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from consult.briefing.sending import send_pack
from consult.briefing.versions import CompiledPack, compile_pack
from consult.mail.delivery import Delivered
from consult.mail.imap import ImapMailbox, read_imap
from consult.mail.invitations import Sender, send_round
from consult.mail.replies import InboxRead, read_inbox
from consult.mail.transports import Transport
from consult.mail.transports.outbox import FileOutbox
from consult.mail.transports.smtp import SmtpTransport
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace


@dataclass(frozen=True)
class Services:
    """What a flow or a command works with: the loaded workspace and the open store."""

    settings: Settings
    workspace: Workspace
    store: Store


@contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    """Yield the workspace and store that `settings` describe; close the store afterwards.

    The workspace is loaded (and so validated) before the store is opened, so a
    workspace with problems never creates or touches a database.
    """
    settings = settings or Settings()
    workspace = load_workspace(settings.workspace)
    store = open_store(settings.store_url)
    try:
        yield Services(settings=settings, workspace=workspace, store=store)
    finally:
        store.close()


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


def read_replies(settings: Settings) -> InboxRead:
    """Return the answers in the workspace's inbox/ folder and, if set, the IMAP mailbox."""
    read = read_inbox(settings.inbox)
    mailbox = imap_mailbox(settings)
    if mailbox is None:
        return read
    remote = read_imap(mailbox)
    return InboxRead(found=read.found + remote.found, problems=read.problems + remote.problems)


def sender(settings: Settings) -> Sender:
    """Return who messages come from."""
    return Sender(
        settings.sender_name,
        settings.sender_email,
        settings.sender_organisation,
        settings.mail_domain,
    )


def send_messages(
    built: Services,
    training: str,
    round_id: str,
    now: datetime,
    meetings: Collection[str] | None = None,
    retry_rejected: bool = False,
) -> list[Delivered]:
    """Return the delivery of what a round's meetings call for, through the settings' transport."""
    return send_round(
        built.workspace,
        built.store,
        transport(built.settings),
        sender(built.settings),
        training,
        round_id,
        now=now,
        lease=built.settings.claim_lease,
        meetings=meetings,
        retry_rejected=retry_rejected,
    )


def compile_briefing(
    built: Services, training: str, now: datetime, *, send: bool = True
) -> tuple[CompiledPack, list[Delivered]]:
    """Return the training's compiled pack, and its delivery to the experts when `send`."""
    compiled = compile_pack(built.workspace, built.store, training, built.settings.out_dir, now)
    if not send:
        return compiled, []
    report = send_pack(
        built.store,
        transport(built.settings),
        sender(built.settings),
        built.workspace,
        compiled,
        now=now,
        lease=built.settings.claim_lease,
    )
    return compiled, report
