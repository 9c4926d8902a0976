"""What a send would put out, shown before it happens, and the confirmation of a round's first send.

    preview = preview_round(round_mailing(workspace, "winter-2027", "round-1", sender, now), store)
    preview.counts()       # {("invitation", "ka"): 12, ...}
    preview.recipients     # who gets what, by name and organisation
    preview.examples       # one rendered message per language

The preview holds the messages a send would claim: those the round's meetings
call for (`consult.mail.invitations.round_messages`) less those the ledger has
sent (or the server rejected, unless they are to be tried again). It reads the
ledger and never writes it. `write_preview` puts every one of them into a
folder as .eml files: a dry run.

A round's first send waits for the coordinator: `first_send` is true until
`confirm_send` records in the audit log who confirmed it (or a message of the
round was sent before confirmations existed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from consult.mail.delivery import Outgoing, message_id_for
from consult.mail.invitations import language_of, round_messages
from consult.mail.mailing import RoundMailing
from consult.mail.mime import RawMessage, as_email, message_bytes
from consult.mail.sender import Sender
from consult.mail.transports.outbox import FileOutbox, eml_name
from consult.store import Store
from schemas import Language
from schemas.state import Attendee, MessageKind

CONFIRMED = "send.confirmed"
"""The audit log's action for a coordinator's confirmation of a round's first send."""


FACILITATOR = "facilitator"
"""What a recipient of the project's own people is shown as, in place of an organisation."""


@dataclass(frozen=True)
class Recipient:
    """One message a send would put out: to whom, of which organisation, what, in what language."""

    meeting_id: str
    name: str
    email: str
    organisation: str
    """The organisation's name in English, or "facilitator" for the project's own people."""
    kind: MessageKind
    language: Language


@dataclass(frozen=True)
class Preview:
    """What a send of a round would put out, and one rendered example per language."""

    training: str
    round: str
    sender: Sender
    recipients: tuple[Recipient, ...]
    examples: Mapping[Language, RawMessage]
    """The first message in each language, built as it would go out."""

    def counts(self) -> Counter[tuple[MessageKind, Language]]:
        """Return how many messages of each kind go out in each language."""
        return Counter((r.kind, r.language) for r in self.recipients)

    def summary(self) -> str:
        """Return the counts as one line: "12 invitations in ka, 3 invitations in en"."""
        return (
            ", ".join(
                f"{n} {kind}{'s' if n != 1 else ''} in {language}"
                for (kind, language), n in sorted(self.counts().items())
            )
            or "nothing to send"
        )


def pending(
    mail: RoundMailing,
    store: Store,
    meetings: Collection[str] | None = None,
    retry_rejected: bool = False,
) -> list[tuple[Outgoing, Recipient]]:
    """Return each message a send would claim now, with whom it goes to; the ledger is only read."""
    names = {o.id: o.name.en for o in mail.workspace.stakeholders.organisations}
    found = []
    attendees: dict[str, dict[str, Attendee]] = {}
    done: dict[str, set[tuple[str, int, str]]] = {}
    for item in round_messages(mail, store, meetings):
        if item.meeting_id not in attendees:
            attendees[item.meeting_id] = {
                a.email.lower(): a for a in store.attendees(item.meeting_id)
            }
            done[item.meeting_id] = {
                (m.recipient.lower(), m.sequence, m.kind)
                for m in store.messages(item.meeting_id)
                if m.status == "sent" or (m.status == "rejected" and not retry_rejected)
            }
        if (item.recipient.lower(), item.sequence, item.kind) in done[item.meeting_id]:
            continue
        attendee = attendees[item.meeting_id][item.recipient.lower()]
        organisation = names.get(attendee.organisation or "", FACILITATOR)
        found.append(
            (
                item,
                Recipient(
                    item.meeting_id,
                    attendee.name,
                    attendee.email,
                    organisation,
                    item.kind,
                    language_of(attendee),
                ),
            )
        )
    return found


def preview_round(
    mail: RoundMailing,
    store: Store,
    meetings: Collection[str] | None = None,
    retry_rejected: bool = False,
    *,
    examples: bool = True,
) -> Preview:
    """Return what a send of the round (or of those meetings) would put out now.

    Without `examples` no message is rendered: who gets what, counted from the ledger
    and the attendees, is all a confirmation given beforehand (`consult send --yes`) needs.
    """
    found = pending(mail, store, meetings, retry_rejected)
    if not examples:
        return Preview(mail.slug, mail.round_id, mail.sender, tuple(r for _, r in found), {})
    shown: dict[Language, RawMessage] = {}
    # A stakeholder's message first: the one to check is what the organisations read.
    for item, recipient in sorted(found, key=lambda pair: pair[1].organisation == FACILITATOR):
        if recipient.language not in shown:
            shown[recipient.language] = _built(item, mail.sender)
    return Preview(mail.slug, mail.round_id, mail.sender, tuple(r for _, r in found), shown)


def write_preview(
    folder: Path,
    mail: RoundMailing,
    store: Store,
    meetings: Collection[str] | None = None,
    retry_rejected: bool = False,
) -> list[Path]:
    """Return the .eml files of every message a send would put out, written to `folder`.

    The folder's .eml files are removed first, so it holds this preview only. Nothing is claimed
    or sent: the messages carry the Message-ID a send would give them.
    """
    for old in folder.glob("*.eml"):
        old.unlink()
    outbox = FileOutbox(folder)
    written = []
    for item, _ in pending(mail, store, meetings, retry_rejected):
        message = _built(item, mail.sender)
        outbox.send(message)
        written.append(folder / eml_name(message))
    return written


def example_text(message: RawMessage) -> str:
    """Return a message as a reader sees it: From, To, Subject and the plain text."""
    parsed = as_email(message)
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    headers = [f"{name}: {parsed[name]}" for name in ("From", "Reply-To", "To", "Subject")]
    return "\n".join([*(h for h in headers if not h.endswith(": None")), "", text.strip()])


def first_send(store: Store, slug: str, round_id: str) -> bool:
    """Return whether the round's sending waits for a confirmation: none recorded, none sent."""
    if any(e.action == CONFIRMED for e in store.audit_log(_subject(slug, round_id))):
        return False
    return not any(
        m.status == "sent"
        for meeting in store.meetings(slug, round_id)
        for m in store.messages(meeting.id)
    )


def confirm_send(store: Store, preview: Preview, actor: str) -> None:
    """Record in the audit log that `actor` confirmed the round's first send, and what it holds."""
    store.audit(
        actor,
        CONFIRMED,
        _subject(preview.training, preview.round),
        {"messages": len(preview.recipients), "summary": preview.summary()},
    )


def _subject(slug: str, round_id: str) -> str:
    return f"{slug}/{round_id}"


def _built(item: Outgoing, sender: Sender) -> RawMessage:
    message = item.build(message_id_for(item, sender.domain))
    if isinstance(message, RawMessage):
        return message
    data = message_bytes(message)
    return RawMessage(sender.email, item.recipient, str(message["Message-ID"]), data)


def preview_rows(preview: Preview) -> list[dict[str, str]]:
    """Return the recipients as table rows: name, organisation, meeting, kind, language."""
    return [
        {
            "name": r.name,
            "organisation": r.organisation,
            "meeting": r.meeting_id.rsplit("/", 1)[-1],
            "kind": r.kind,
            "language": r.language,
        }
        for r in preview.recipients
    ]


def preview_markdown(preview: Preview) -> str:
    """Return the preview as Markdown: the sender, the counts, one example per language."""
    sender = preview.sender
    lines = [
        f"# To send: {preview.training}, {preview.round}",
        "",
        f"From {_md(sender.name)} &lt;{_md(sender.email)}&gt;"
        + (f", replies to {_md(sender.reply_to)}" if sender.reply_to else "")
        + f" (set in {_md(sender.source)}).",
        "",
        "| kind | language | messages |",
        "| --- | --- | --- |",
        *(
            f"| {kind} | {language} | {n} |"
            for (kind, language), n in sorted(preview.counts().items())
        ),
    ]
    for language, message in preview.examples.items():
        lines += ["", f"## Example in {language}", "", "~~~~text", example_text(message), "~~~~"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Return text for a Markdown line: no markup, no HTML."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"\\{c}" if c in "\\`*_[]|#" else c for c in escaped)
