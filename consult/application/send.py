"""Send a round: what its meetings call for, each message once; its preview and its dry run.

A round's first send waits for a confirmation: `first_send_preview` says what
it would put out (nothing when no confirmation is needed) and
`confirm_first_send` records who confirmed it. A dry run writes the messages
as .eml files and leaves the ledger as it is.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from consult.application.references import RoundRef
from consult.application.services import Services
from consult.mail import invitations, preview
from consult.mail.delivery import Delivered
from consult.mail.mailing import RoundMailing
from consult.mail.preview import Preview
from consult.settings import Settings


@dataclass(frozen=True)
class DryRun:
    """What a dry run of a round did: what it would send, and the .eml files written."""

    preview: Preview
    written: list[Path]
    folder: Path

    def summary(self) -> str:
        """Return one line: how many messages were written where, and that none was sent."""
        return (
            f"dry run: {len(self.written)} messages written to {self.folder.resolve()}; "
            "nothing was sent"
        )


def mailing(built: Services, round_: RoundRef) -> RoundMailing:
    """Return what sending the round now needs: its resolved training, its sender and the time."""
    return built.mailing(round_.training).round(round_.id)


def send_round(
    built: Services,
    round_: RoundRef,
    meetings: Collection[str] | None = None,
    retry_rejected: bool = False,
) -> list[Delivered]:
    """Return the delivery of what the round's meetings (or these ones) call for, each once."""
    return invitations.send_round(
        mailing(built, round_),
        built.store,
        built.transport,
        lease=built.settings.claim_lease,
        meetings=meetings,
        retry_rejected=retry_rejected,
    )


def preview_round(
    built: Services, round_: RoundRef, retry_rejected: bool = False, *, examples: bool = True
) -> Preview:
    """Return what sending the round now would put out; nothing is claimed or sent.

    Without `examples`, no message is rendered: the recipients only.
    """
    return preview.preview_round(
        mailing(built, round_), built.store, retry_rejected=retry_rejected, examples=examples
    )


def preview_folder(settings: Settings, round_: RoundRef) -> Path:
    """Return the folder a dry run of the round writes its messages to."""
    return settings.preview / round_.slug / round_.id


def dry_run(built: Services, round_: RoundRef, retry_rejected: bool = False) -> DryRun:
    """Return what sending the round now would put out, its messages written as .eml files.

    Nothing is claimed or sent, and no transport is opened: the ledger is left as it is.
    """
    folder = preview_folder(built.settings, round_)
    mail = mailing(built, round_)
    shown = preview.preview_round(mail, built.store, retry_rejected=retry_rejected)
    written = preview.write_preview(folder, mail, built.store, retry_rejected=retry_rejected)
    return DryRun(shown, written, folder)


def first_send_preview(
    built: Services, round_: RoundRef, retry_rejected: bool = False, *, examples: bool = True
) -> Preview | None:
    """Return what the round's first send would put out, or None when it needs no confirmation.

    It needs none when the round sent before or a confirmation is recorded, and
    when nothing would go out. Without `examples` (confirmed beforehand: `--yes`)
    no message is rendered for it, the recipients are counted.
    """
    if not preview.first_send(built.store, round_.slug, round_.id):
        return None
    shown = preview_round(built, round_, retry_rejected, examples=examples)
    return shown if shown.recipients else None


def confirm_first_send(built: Services, shown: Preview, by: str) -> None:
    """Record in the audit log that `by` confirmed the round's first send as `shown`."""
    preview.confirm_send(built.store, shown, by)


def meeting_batches(built: Services, round_: RoundRef, size: int) -> list[list[str]]:
    """Return the round's meeting ids in groups of about `size` attendees, to send apart."""
    groups: list[list[str]] = [[]]
    count = 0
    for meeting in built.store.meetings(round_.slug, round_.id):
        attendees = len(built.store.attendees(meeting.id))
        if groups[-1] and count + attendees > size:
            groups.append([])
            count = 0
        groups[-1].append(meeting.id)
        count += attendees
    return [group for group in groups if group]
