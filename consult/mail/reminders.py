"""Gives the follow-up messages due at a moment: reminders, nudges, and "notes missing".

Run daily (flow `send-reminders`), it yields, for every confirmed meeting of a
training:
- a **reminder** to each attendee who was invited and has not declined, once
  the meeting is `reminders.days_before` days away;
- a **nudge** to each consulted attendee who has not answered
  `reminders.nudge_after_days` days after their invitation went out;
- a **notes_missing** message to the coordinator the day after a meeting that
  has no notes;
- a **poll_nudge** to each consulted invitee of a date poll still waiting for its
  pick who has not voted `reminders.nudge_after_days` days after the poll's
  message went out, until voting closes: once (its ledger key).
Each is keyed in the ledger like any message (meeting, recipient, SEQUENCE,
kind), so a daily run sends each at most once per version of the meeting.
A person gets one message about a meeting per run: when a reminder and a nudge
are both due, the nudge goes, saying when the meeting takes place, and it
stands for the reminder (its ledger row is the nudge's; no reminder follows a
nudge sent within the reminder days).
No reminder or nudge goes to an address that bounced (`notices`): each is reported
"bounced" instead, until the contact's address is corrected.
Nothing is sent about a meeting that has started: a reminder that had not gone
out by then is reported "too late" (`started_reminders`) by the runs until the
day after the meeting, when "notes missing" takes over; once the meeting has
ended, as a meeting whose time has passed (for its notes or its cancellation,
never a new time). A meeting held (notes or attendance recorded) is not reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from functools import partial

from consult.mail.delivery import BOUNCED, Delivered, Outgoing, bounce_words, deliver
from consult.mail.invitations import poll_outgoing, prepare, too_late
from consult.mail.mailing import Mailing
from consult.mail.news import News
from consult.mail.sender import Sender
from consult.mail.transports import Transport
from consult.store import LEASE, Store
from consult.store.inbound import InboundMail
from schemas.state import Attendee, Meeting, Message, MessageKind


def due_messages(mail: Mailing, store: Store) -> Iterator[Outgoing]:
    """Yield the reminders, nudges and notes-missing messages due at the mailing's moment."""
    training, now = mail.training, mail.now
    coordinator = training.briefing.coordinator_email
    for round_ in training.consultation.rounds:
        yield from _poll_nudges(mail, store, round_.id)
        for meeting in store.meetings(mail.slug, round_.id):
            if meeting.status != "confirmed":
                continue
            attendees = tuple(store.attendees(meeting.id))
            ledger = store.messages(meeting.id)
            invited = _invited(meeting, ledger)
            nudged = _nudged(meeting, ledger)
            calendars: dict[str, bytes] = {}

            message = partial(_outgoing, mail, meeting, attendees)
            for attendee in attendees:
                kind = _follow_up(mail, meeting, attendee, invited, nudged)
                if kind is not None:
                    yield message(attendee, kind, calendars)
            if (
                coordinator
                and meeting.end + dt.timedelta(days=1) <= now
                and not store.observations(meeting_id=meeting.id)
            ):
                yield message(
                    _coordinator(meeting, coordinator, mail.sender, training.timezone),
                    "notes_missing",
                    None,
                )


def _poll_nudges(mail: Mailing, store: Store, round_id: str) -> Iterator[Outgoing]:
    """Yield the nudge to vote due to each invitee of the round's waiting polls who has not."""
    after = dt.timedelta(days=mail.training.consultation.reminders.nudge_after_days)
    found = {m.id: m for m in store.meetings(mail.slug, round_id)}
    for meeting_id, poll in store.polls_of(list(found)).items():
        meeting = found[meeting_id]
        if not poll.open or meeting.status != "confirmed" or poll.deadline <= mail.now:
            continue
        asked = {
            m.recipient.lower(): m.sent_at
            for m in store.messages(meeting_id)
            if (m.kind, m.sequence, m.status) == ("poll", meeting.sequence, "sent")
            and m.sent_at is not None
        }
        for attendee in store.attendees(meeting_id):
            email = attendee.email.lower()
            sent_at = asked.get(email)
            if sent_at is not None and sent_at + after <= mail.now and email not in poll.votes:
                yield poll_outgoing(mail, meeting, attendee, poll, "poll_nudge")


def _follow_up(
    mail: Mailing,
    meeting: Meeting,
    attendee: Attendee,
    invited: Mapping[str, dt.datetime],
    nudged: Mapping[str, dt.datetime],
) -> MessageKind | None:
    """Return the one follow-up due to the attendee about the meeting now, if any.

    When a nudge and a reminder are both due, the nudge goes: it asks for the answer still
    owed and says when the meeting is. A nudge sent within the reminder days stands for the
    reminder, so none follows it; one sent before them does not.
    """
    settings, now = mail.training.consultation.reminders, mail.now
    email = attendee.email.lower()
    sent_at = invited.get(email)
    if sent_at is None or now >= meeting.start:
        return None
    reminders_from = meeting.start - dt.timedelta(days=settings.days_before)
    nudged_at = nudged.get(email)
    reminded = nudged_at is not None and nudged_at >= reminders_from
    nudge_due = (
        attendee.role == "REQ-PARTICIPANT"
        and attendee.partstat == "NEEDS-ACTION"
        and sent_at + dt.timedelta(days=settings.nudge_after_days) <= now
    )
    if nudge_due and (nudged_at is None or reminded):
        return "nudge"
    if reminders_from <= now and attendee.partstat != "DECLINED" and not reminded:
        return "reminder"
    return "nudge" if nudge_due else None


def _nudged(meeting: Meeting, messages: list[Message]) -> dict[str, dt.datetime]:
    """Return when each attendee's nudge about this version of the meeting went out."""
    return {
        m.recipient.lower(): m.sent_at
        for m in messages
        if (m.kind, m.sequence, m.status) == ("nudge", meeting.sequence, "sent")
        and m.sent_at is not None
    }


def started_reminders(mail: Mailing, store: Store) -> list[Delivered]:
    """Return the reminders not sent, too late: due before their meeting, which started already.

    Reported until a day after the meeting ends, the moment "notes missing" is due.
    """
    training, now = mail.training, mail.now
    if training.consultation.reminders.days_before == 0:
        return []
    late = []
    for round_ in training.consultation.rounds:
        for meeting in store.meetings(mail.slug, round_.id):
            if (
                meeting.status != "confirmed"
                or not meeting.start <= now < meeting.end + dt.timedelta(days=1)
                or was_held(store, meeting)
            ):
                continue
            messages = store.messages(meeting.id)
            invited = _invited(meeting, messages)
            reminders_from = meeting.start - dt.timedelta(
                days=training.consultation.reminders.days_before
            )
            reminded = {
                m.recipient.lower()
                for m in messages
                if (m.kind, m.sequence, m.status) == ("reminder", meeting.sequence, "sent")
            } | {email for email, at in _nudged(meeting, messages).items() if at >= reminders_from}
            late += [
                too_late(meeting, attendee.email, "reminder", training.timezone, now)
                for attendee in store.attendees(meeting.id)
                if attendee.email.lower() in invited
                and attendee.email.lower() not in reminded
                and attendee.partstat != "DECLINED"
            ]
    return late


def was_held(store: Store, meeting: Meeting) -> bool:
    """Return whether the meeting took place: its status, its notes or its attendance say so."""
    if meeting.status == "held" or store.observations(meeting_id=meeting.id):
        return True
    return any(event.action == "notes.attendance" for event in store.audit_log(meeting.id))


def send_due(
    mail: Mailing, store: Store, transport: Transport, *, lease: dt.timedelta = LEASE
) -> list[Delivered]:
    """Return what happened to each message due at the mailing's moment after sending it.

    Late reminders come first.

    No reminder or nudge goes to an address that bounced: each due is reported `BOUNCED`.
    """
    bounced = store.bounced()
    late = [d for d in started_reminders(mail, store) if d.recipient.lower() not in bounced]
    stopped: list[Delivered] = []
    due = _stop_bounced(due_messages(mail, store), bounced, stopped)
    sent = deliver(store, transport, due, domain=mail.sender.domain, lease=lease)
    return [*late, *stopped, *sent]


def _stop_bounced(
    due: Iterator[Outgoing], bounced: Mapping[str, InboundMail], stopped: list[Delivered]
) -> Iterator[Outgoing]:
    """Yield the messages due but those to a bounced address, which go to `stopped` instead."""
    for item in due:
        bounce = bounced.get(item.recipient.lower())
        if bounce is None or item.kind not in ("reminder", "nudge", "poll_nudge"):
            yield item
            continue
        stopped.append(
            Delivered(
                item.meeting_id,
                item.recipient,
                item.sequence,
                item.kind,
                BOUNCED,
                f"not sent: the address {bounce_words(bounce)}",
            )
        )


def _outgoing(
    mail: Mailing,
    meeting: Meeting,
    attendees: tuple[Attendee, ...],
    attendee: Attendee,
    kind: MessageKind,
    calendars: dict[str, bytes] | None,
) -> Outgoing:
    build = partial(prepare, mail, meeting, attendees, attendee, News(kind), calendars)
    return Outgoing(meeting.id, attendee.email, meeting.sequence, kind, build)


def _invited(meeting: Meeting, messages: list[Message]) -> dict[str, dt.datetime]:
    """Return when each attendee's invitation (or update) to this version went out."""
    return {
        m.recipient.lower(): m.sent_at
        for m in messages
        if m.kind in ("invitation", "update")
        and m.status == "sent"
        and m.sequence == meeting.sequence
        and m.sent_at is not None
    }


def _coordinator(meeting: Meeting, email: str, sender: Sender, zone: str) -> Attendee:
    return Attendee(
        meeting_id=meeting.id,
        email=email,
        name=sender.name,
        role="NON-PARTICIPANT",
        organisation=None,
        language="en",
        timezone=zone,
    )
