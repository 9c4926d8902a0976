"""What the inbox holds besides answers, recorded: bounces, automatic replies, unreadable mail.

`record_inbox` records what `read_inbox`/`read_imap` found: the calendar answers
(`record_replies`), each bounce against the message of the ledger it is about, each
automatic reply as such (it is no answer, and nothing answers it), and each message
of the mailbox that cannot be read, so that it is not fetched again. A bounced
address (a bounce whose delivery failed for good) stops the reminders and nudges to
it (`reminders`), is flagged in the round's status and the delivery tables, and
`consult validate` warns about the contact (`bounced_contacts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from consult.errors import StoreError
from consult.mail.bounces import AutoReply, Bounce, FoundNotice
from consult.mail.delivery import bounce_words
from consult.mail.replies import InboxRead, RepliesReport, ReplyOutcome, record_replies
from consult.settings import Settings
from consult.store import Store, open_store
from consult.store.inbound import InboundRecord
from consult.workspace.loading import STAKEHOLDERS, Workspace
from consult.workspace.yamlfile import read_yaml


def record_inbox(store: Store, read: InboxRead) -> RepliesReport:
    """Return what became of each answer, bounce and automatic reply read, after recording them.

    The mailbox's unreadable messages are recorded too, so that they are not read again.
    The answers are recorded in one transaction, the rest in another.
    """
    report = record_replies(store, read.found)
    unreadable = [InboundRecord(i.source, "unreadable", i.reason) for i in read.unreadable]
    return replace(report, rows=[*report.rows, *record_notices(store, read.notices, unreadable)])


def record_notices(
    store: Store, notices: Sequence[FoundNotice], also: Sequence[InboundRecord] = ()
) -> list[ReplyOutcome]:
    """Return what became of each bounce and automatic reply, after recording each once,
    with the records `also` (unreadable mail), all in one transaction."""
    found: list[ReplyOutcome | _Pending] = []
    for item in notices:
        notice = item.notice
        if isinstance(notice, Bounce):
            found.append(_bounce(store, item.source, notice))
        else:
            found.append(_auto_reply(store, item.source, notice))
    pending = [f for f in found if isinstance(f, _Pending)]
    new = iter(store.record_inbounds([p.record for p in pending] + list(also)))
    return [
        f if isinstance(f, ReplyOutcome) else f.outcome if next(new) else f.recorded_before
        for f in found
    ]


@dataclass(frozen=True)
class _Pending:
    """A notice to record, and what is said of it once it is recorded."""

    record: InboundRecord
    outcome: ReplyOutcome

    @property
    def recorded_before(self) -> ReplyOutcome:
        return replace(self.outcome, outcome="already recorded")


def bounce_warnings(settings: Settings, workspace: Workspace) -> list[str]:
    """Return a warning per contact whose address bounced, from the state database if it exists.

    A workspace whose SQLite state file does not exist yet has had nothing sent: none.
    """
    url = settings.store_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    try:
        with open_store(url) as store:
            return bounced_contacts(workspace, store)
    except StoreError as error:
        return [f"the bounces could not be checked: {error}"]


def bounced_contacts(workspace: Workspace, store: Store) -> list[str]:
    """Return a warning for each contact of stakeholders.yaml whose address bounced."""
    bounced = store.bounced()
    if not bounced:
        return []
    _, lines, _ = read_yaml(workspace.root / STAKEHOLDERS, STAKEHOLDERS)
    warnings = []
    for o, organisation in enumerate(workspace.stakeholders.organisations):
        for c, contact in enumerate(organisation.contacts):
            bounce = bounced.get(str(contact.email).lower())
            if bounce is None:
                continue
            path = f"organisations[{o}].contacts[{c}].email"
            line = lines.of(("organisations", o, "contacts", c, "email"))
            where = f"{STAKEHOLDERS}, line {line}, {path}" if line else f"{STAKEHOLDERS}, {path}"
            warnings.append(
                f"{where}: {contact.email} {bounce_words(bounce)}; no reminder or nudge goes "
                "to it: correct the address or remove the contact"
            )
    return warnings


def _bounce(store: Store, source: str, bounce: Bounce) -> ReplyOutcome | _Pending:
    message = store.sent_message(bounce.message_ids, bounce.recipient)
    if message is None:
        why = "ignored: a bounce about no message consult sent"
        return ReplyOutcome(source, "", bounce.recipient, why)
    meeting = store.get_meeting(message.meeting_id)
    uid = meeting.uid if meeting is not None else ""
    about = f"the {message.kind} of {message.meeting_id}"
    record = InboundRecord(
        source,
        "bounce" if bounce.failed else "delayed",
        f"{bounce.reason()}; about {about}",
        message=message.id,
        address=message.recipient,
        status=bounce.status,
    )
    if bounce.failed:
        outcome = f"bounced {bounce.reason()}: {about}; no reminder or nudge goes to this address"
    else:
        outcome = f"delayed {bounce.reason()}: not a bounce, the server still tries"
    return _Pending(record, ReplyOutcome(source, uid, message.recipient, outcome))


def _auto_reply(store: Store, source: str, reply: AutoReply) -> _Pending:
    message = store.sent_message(reply.message_ids, "")
    record = InboundRecord(
        source,
        "auto_reply",
        f"{reply.why}; subject {reply.subject!r}",
        message=message.id if message is not None else None,
        address=reply.sender,
    )
    outcome = f"automatic reply ({reply.why}): no answer; not answered"
    return _Pending(record, ReplyOutcome(source, "", reply.sender, outcome))
