"""Where a meeting stands, in one word or two, as the desk and the exports both say it.

The stored status, except that a confirmed meeting is said to be invited,
accepted, declined or counter-proposed by what its invitees were sent, answered
and proposed, and one with observations "notes in". Beside an invitee's answer,
what the mail read says of them (`mail_notices`): their address bounced, or an
automatic reply came.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from consult.store import Store
from consult.store.inbound import InboundMail
from schemas.state import Attendee, Meeting, Message


def invited_at(messages: Iterable[Message]) -> set[tuple[str, int]]:
    """Return each (meeting, sequence) an invitation or update was sent for."""
    return {
        (m.meeting_id, m.sequence)
        for m in messages
        if m.kind in ("invitation", "update") and m.status == "sent"
    }


def waiting_counters(store: Store, prefix: str) -> dict[str, str]:
    """Return the meetings with a counter-proposal waiting, and who proposed (the first)."""
    waiting: dict[str, str] = {}
    for counter in store.counters(prefix):
        if counter.state == "pending":
            waiting.setdefault(counter.meeting_id, counter.proposer)
    return waiting


def meeting_state(
    meeting: Meeting,
    attendees: Sequence[Attendee],
    invited: bool,
    observations: int,
    countered: bool = False,
    voting: bool = False,
) -> str:
    """Return the one word (or two) that says where a meeting stands.

    The stored status, except that a confirmed meeting is said to be invited,
    accepted or declined by what its invitees were sent and answered, and a
    held one "notes in" once it has observations, and one with an attendee's
    proposal of another time waiting "counter-proposed", and one whose date poll
    waits for its pick "voting" (it has no time yet). Any other stored status is
    shown as it is.
    """
    if meeting.status == "cancelled":
        return "cancelled"
    if observations:
        return "notes in"
    if meeting.status != "confirmed":
        return meeting.status.replace("_", " ")
    if voting:
        return "voting"
    if countered:
        return "counter-proposed"
    guests = [a for a in attendees if a.role != "CHAIR"]
    if any(a.partstat == "DECLINED" for a in guests):
        return "declined"
    if guests and all(a.partstat == "ACCEPTED" for a in guests):
        return "accepted"
    return "invited" if invited else "confirmed"


def meeting_states(store: Store, slug: str) -> dict[str, str]:
    """Return the state of each meeting of the training, by its id, from what the store holds."""
    sent = invited_at(store.messages(status="sent"))
    noted = store.observation_counts(slug)
    waiting = waiting_counters(store, f"{slug}/")
    meetings = store.meetings(slug)
    attendees = store.attendees_of([m.id for m in meetings])
    polling = {i for i, poll in store.polls_of([m.id for m in meetings]).items() if poll.open}
    return {
        m.id: meeting_state(
            m,
            attendees[m.id],
            (m.id, m.sequence) in sent,
            noted.get(m.id, 0),
            m.id in waiting,
            voting=m.id in polling,
        )
        for m in meetings
    }


@dataclass(frozen=True)
class MailNotices:
    """What the mail read besides answers says of each invitee: a bounce, an automatic reply."""

    bounced: Mapping[str, str] = field(default_factory=dict)
    """By lower-cased address: "bounced 5.1.1 (550 ...) on 2026-12-01", whichever meeting."""
    automatic: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """By meeting and lower-cased address: "automatic reply (...) on 2026-12-01"."""
    comments: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """By meeting and lower-cased address: what the invitee said with their answer."""

    def about(self, meeting_id: str, address: str) -> str:
        """Return what to say beside an invitee's answer; empty when nothing was read."""
        email = address.lower()
        return self.bounced.get(email) or self.automatic.get((meeting_id, email), "")


def mail_notices(
    store: Store,
    messages: Iterable[Message],
    meetings: Iterable[Meeting] = (),
    attendees: Mapping[str, Sequence[Attendee]] | None = None,
) -> MailNotices:
    """Return the bounces and automatic replies recorded about these messages, as words,
    and what the invitees of these meetings said with their answers (`attendees`: theirs
    as the caller read them)."""
    by_id = {m.id: m for m in messages}
    bounced: dict[str, str] = {}
    automatic: dict[tuple[str, str], str] = {}
    for mail in store.inbound():
        message = by_id.get(mail.message) if mail.message is not None else None
        if message is None:
            continue
        if mail.kind == "bounce":
            bounced[(mail.address or message.recipient).lower()] = _said(
                mail, "bounced", "; about "
            )
        elif mail.kind == "auto_reply":
            key = (message.meeting_id, message.recipient.lower())
            automatic[key] = _said(mail, "automatic reply", "; subject ", parenthesised=True)
    return MailNotices(bounced, automatic, answer_comments(store, meetings, attendees))


def answer_comments(
    store: Store,
    meetings: Iterable[Meeting],
    attendees: Mapping[str, Sequence[Attendee]] | None = None,
) -> dict[tuple[str, str], str]:
    """Return what each invitee said with their answer, by meeting and lower-cased address.

    The comment of their latest reply, if it gave the answer that stands; `attendees`:
    the meetings' as the caller read them.
    """
    ids = [meeting.id for meeting in meetings]
    if attendees is None:
        attendees = store.attendees_of(ids)
    replies = store.replies_of(ids)
    comments: dict[tuple[str, str], str] = {}
    for meeting_id in ids:
        answers = {a.email.lower(): a.partstat for a in attendees[meeting_id]}
        latest = {r.attendee.lower(): r for r in replies[meeting_id]}
        for email, reply in latest.items():
            if reply.comment and answers.get(email) == reply.partstat:
                comments[(meeting_id, email)] = reply.comment
    return comments


def _said(mail: InboundMail, what: str, cut: str, parenthesised: bool = False) -> str:
    """Return a recorded mail as words: what it is, why (its detail up to `cut`), and when."""
    why = mail.detail.split(cut, 1)[0]
    shown = f"({why})" if parenthesised else why
    return f"{what} {shown} on {mail.received_at:%Y-%m-%d}"
