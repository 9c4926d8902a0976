"""The one place that builds consult's real dependencies from settings."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from consult.briefing.sending import send_pack
from consult.briefing.versions import CompiledPack, compile_pack
from consult.mail.delivery import Delivered
from consult.mail.imap import ImapMailbox, read_imap
from consult.mail.invitations import send_round
from consult.mail.preview import Preview, preview_round, write_preview
from consult.mail.replies import InboxRead, read_inbox
from consult.mail.sender import Sender, check_smtp_sender, sender_for, settings_sender
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


def read_replies(settings: Settings, skip: Collection[str] = ()) -> InboxRead:
    """Return the answers in the workspace's inbox/ folder and, if set, the IMAP mailbox.

    The mailbox's messages whose URL is in `skip` (recorded before as no answer) are not read.
    """
    read = read_inbox(settings.inbox)
    mailbox = imap_mailbox(settings)
    if mailbox is None:
        return read
    remote = read_imap(mailbox, skip=skip)
    return InboxRead(
        found=read.found + remote.found,
        problems=read.problems + remote.problems,
        notices=read.notices + remote.notices,
        unreadable=read.unreadable + remote.unreadable,
        requests=read.requests + remote.requests,
    )


def sender(
    settings: Settings, workspace: Workspace | None = None, training: str | None = None
) -> Sender:
    """Return who messages (of a training) come from: its sender, the workspace's, the settings'.

    Raises SenderError when the settings send by SMTP and that sender's address is
    at a domain for examples and tests (see `consult.mail.sender`).
    """
    chosen = settings_sender(settings)
    if workspace is not None:
        chosen = sender_for(workspace, training, chosen)
    if settings.transport == "smtp":
        check_smtp_sender(chosen, workspace)
    return chosen


def send_messages(
    built: Services,
    training: str,
    round_id: str,
    now: datetime,
    meetings: Collection[str] | None = None,
    retry_rejected: bool = False,
) -> list[Delivered]:
    """Return the delivery of what a round's meetings call for, through the settings' transport."""
    who = sender(built.settings, built.workspace, training)
    return send_round(
        built.workspace,
        built.store,
        transport(built.settings),
        who,
        training,
        round_id,
        now=now,
        lease=built.settings.claim_lease,
        meetings=meetings,
        retry_rejected=retry_rejected,
    )


def preview_messages(
    built: Services,
    training: str,
    round_id: str,
    now: datetime,
    retry_rejected: bool = False,
) -> Preview:
    """Return what sending the round now would put out; nothing is claimed or sent."""
    who = sender(built.settings, built.workspace, training)
    return preview_round(
        built.workspace, built.store, who, training, round_id, now, retry_rejected=retry_rejected
    )


def preview_folder(settings: Settings, training: str, round_id: str) -> Path:
    """Return the folder a dry run of the round writes its messages to."""
    return settings.preview / training / round_id


def write_dry_run(
    built: Services,
    training: str,
    round_id: str,
    now: datetime,
    retry_rejected: bool = False,
) -> list[Path]:
    """Return the .eml files of what sending the round now would put out, written to its folder.

    Nothing is claimed or sent, and no transport is opened: the ledger is left as it is.
    """
    who = sender(built.settings, built.workspace, training)
    return write_preview(
        preview_folder(built.settings, training, round_id),
        built.workspace,
        built.store,
        who,
        training,
        round_id,
        now,
        retry_rejected=retry_rejected,
    )


def compile_briefing(
    built: Services, training: str, now: datetime, *, send: bool = True
) -> tuple[CompiledPack, list[Delivered]]:
    """Return the training's compiled pack, and its delivery to the experts when `send`."""
    compiled = compile_pack(
        built.workspace,
        built.store,
        training,
        built.settings.out_dir,
        now,
        anonymity_k=built.settings.anonymity_k,
    )
    if not send:
        return compiled, []
    who = sender(built.settings, built.workspace, training)
    report = send_pack(
        built.store,
        transport(built.settings),
        who,
        built.workspace,
        compiled,
        now=now,
        lease=built.settings.claim_lease,
    )
    return compiled, report
