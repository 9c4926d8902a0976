"""Reads and writes meetings, their attendees and the attendees' replies, within a transaction.

A meeting's iCalendar SEQUENCE rises when a change reaches people who were
already told: its start, end, place, format or facilitators change, or it is
cancelled, after it was confirmed or a message about its current sequence went
out. The meeting as it was at the sequence left behind is kept (`versions`), so
that an update can tell each attendee what changed since they were last told,
however late or often it is rendered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa

from consult.store.engine import writing
from consult.store.tables import attendees, meetings, messages, replies
from schemas.state import Attendee, Meeting, MeetingStatus, PartStat, Reply

CHUNK = 500
"""Meetings asked of in one query (an IN list), well within every database's limit."""

_NO_ANSWER: PartStat = "NEEDS-ACTION"


@dataclass(frozen=True)
class MeetingPlan:
    """A meeting as planned: what, when, where and who runs it; the store adds the rest.

    The rest is what the store keeps itself: the status, the UID and the SEQUENCE.
    """

    id: str
    training: str
    round: str
    organisation: str
    format: str
    start: dt.datetime
    end: dt.datetime
    location: str | None = None
    facilitators: tuple[str, ...] = ()

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingPlan:
        """Return the plan of a stored meeting, as it stands."""
        return cls(
            meeting.id,
            meeting.training,
            meeting.round,
            meeting.organisation,
            meeting.format,
            meeting.start,
            meeting.end,
            meeting.location,
            meeting.facilitators,
        )


def get_meeting(connection: sa.Connection, meeting_id: str) -> Meeting | None:
    """Return the meeting with this id, or None."""
    row = connection.execute(sa.select(meetings).where(meetings.c.id == meeting_id)).first()
    return None if row is None else Meeting.model_validate(row)


def meeting_by_uid(connection: sa.Connection, uid: str) -> Meeting | None:
    """Return the meeting whose iCalendar UID this is, or None."""
    row = connection.execute(sa.select(meetings).where(meetings.c.uid == uid)).first()
    return None if row is None else Meeting.model_validate(row)


def require_meeting(connection: sa.Connection, meeting_id: str) -> Meeting:
    """Return the meeting with this id, or raise a ValueError naming it."""
    meeting = get_meeting(connection, meeting_id)
    if meeting is None:
        raise ValueError(f"no meeting {meeting_id!r} in the store")
    return meeting


def require_aware(value: dt.datetime, what: str) -> dt.datetime:
    """Return the datetime if it has a time zone, else raise a ValueError naming `what`."""
    if value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no time zone")
    return value


def list_meetings(connection: sa.Connection, training: str, round: str | None) -> list[Meeting]:
    """Return the meetings of a training (of one round, if given), by start time."""
    query = sa.select(meetings).where(meetings.c.training == training)
    if round is not None:
        query = query.where(meetings.c.round == round)
    rows = connection.execute(query.order_by(meetings.c.start, meetings.c.id))
    return [Meeting.model_validate(row) for row in rows]


def upsert_meeting(connection: sa.Connection, now: dt.datetime, plan: MeetingPlan) -> Meeting:
    """Return the meeting after inserting it as proposed, or updating it if anything changed."""
    meeting_id, start, end = plan.id, plan.start, plan.end
    for name, value in (("start", start), ("end", end)):
        require_aware(value, f"meeting {meeting_id!r}: {name}")
    if end <= start:
        raise ValueError(f"meeting {meeting_id!r}: end {end.isoformat()} is not after start")
    fields = {
        "training": plan.training,
        "round": plan.round,
        "organisation": plan.organisation,
        "format": plan.format,
        "start": start,
        "end": end,
        "location": plan.location,
        "facilitators": list(plan.facilitators),
    }
    existing = get_meeting(connection, meeting_id)
    if existing is None:
        connection.execute(
            sa.insert(meetings).values(
                id=meeting_id,
                status="proposed",
                uid=f"{uuid.uuid4()}@consult",
                sequence=0,
                updated_at=now,
                **fields,
            )
        )
        return require_meeting(connection, meeting_id)
    before = existing.model_dump(include=set(fields))
    after = {**fields, "facilitators": tuple(plan.facilitators)}
    if before == after:
        return existing
    told = ("start", "end", "location", "format", "facilitators")
    bump = any(before[k] != after[k] for k in told) and _announced(connection, existing)
    connection.execute(
        sa.update(meetings)
        .where(meetings.c.id == meeting_id)
        .values(
            sequence=existing.sequence + int(bump),
            updated_at=now,
            **fields,
            **(_kept(existing) if bump else {}),
        )
    )
    return require_meeting(connection, meeting_id)


def set_meeting_status(
    connection: sa.Connection, now: dt.datetime, meeting_id: str, status: MeetingStatus
) -> tuple[Meeting, Meeting]:
    """Return the meeting before and after setting its status; cancelling raises its sequence."""
    before = require_meeting(connection, meeting_id)
    if before.status == status:
        return before, before
    bump = status == "cancelled" and _announced(connection, before)
    connection.execute(
        sa.update(meetings)
        .where(meetings.c.id == meeting_id)
        .values(
            status=status,
            sequence=before.sequence + int(bump),
            updated_at=now,
            **(_kept(before) if bump else {}),
        )
    )
    return before, require_meeting(connection, meeting_id)


def _kept(meeting: Meeting) -> dict[str, object]:
    """Return the `versions` column with the meeting as it is now added, its sequence left."""
    kept = (*meeting.versions, meeting.current())
    return {"versions": [v.model_dump(mode="json") for v in kept]}


def _announced(connection: sa.Connection, meeting: Meeting) -> bool:
    """Return whether people may already hold the meeting as it is now."""
    if meeting.status != "proposed":
        return True
    told = sa.select(messages.c.id).where(
        messages.c.meeting_id == meeting.id,
        messages.c.sequence == meeting.sequence,
        messages.c.status.in_(("pending", "sent")),
    )
    return connection.execute(told.limit(1)).first() is not None


def set_attendees(connection: sa.Connection, meeting_id: str, invited: Sequence[Attendee]) -> None:
    """Make `invited` the attendees of the meeting, keeping the answers already recorded.

    An attendee already invited keeps their PARTSTAT and attendance unless the
    new value carries one (a PARTSTAT other than NEEDS-ACTION, an `attended`
    other than None). Attendees no longer invited are removed.
    """
    require_meeting(connection, meeting_id)
    emails = [attendee.email for attendee in invited]
    for attendee in invited:
        if attendee.meeting_id != meeting_id:
            raise ValueError(
                f"attendee {attendee.email!r} belongs to meeting {attendee.meeting_id!r}, "
                f"not {meeting_id!r}"
            )
        if emails.count(attendee.email) > 1:
            raise ValueError(f"meeting {meeting_id!r}: attendee {attendee.email!r} given twice")
    known = {attendee.email: attendee for attendee in list_attendees(connection, meeting_id)}
    connection.execute(
        sa.delete(attendees).where(
            attendees.c.meeting_id == meeting_id, attendees.c.email.not_in(emails)
        )
    )
    for attendee in invited:
        values = attendee.model_dump()
        old = known.get(attendee.email)
        if old is None:
            connection.execute(sa.insert(attendees).values(values))
            continue
        if attendee.partstat == _NO_ANSWER:
            values["partstat"] = old.partstat
        if attendee.attended is None:
            values["attended"] = old.attended
        connection.execute(
            sa.update(attendees)
            .where(attendees.c.meeting_id == meeting_id, attendees.c.email == attendee.email)
            .values(values)
        )


def list_attendees(connection: sa.Connection, meeting_id: str) -> list[Attendee]:
    """Return the attendees of the meeting, by email."""
    rows = connection.execute(
        sa.select(attendees).where(attendees.c.meeting_id == meeting_id).order_by(attendees.c.email)
    )
    return [Attendee.model_validate(row) for row in rows]


@dataclass(frozen=True)
class Answer:
    """An attendee's answer as read: who, what, to which SEQUENCE, from where, what they said."""

    attendee: str
    partstat: PartStat
    sequence: int
    source: str
    comment: str | None = None


def attendees_of(
    connection: sa.Connection, meeting_ids: Collection[str]
) -> dict[str, list[Attendee]]:
    """Return the attendees of each of these meetings, by email, in one query per CHUNK
    meetings; a meeting without attendees (or not stored) has an empty list."""
    found: dict[str, list[Attendee]] = {meeting_id: [] for meeting_id in meeting_ids}
    wanted = sorted(found)
    for start in range(0, len(wanted), CHUNK):
        rows = connection.execute(
            sa.select(attendees)
            .where(attendees.c.meeting_id.in_(wanted[start : start + CHUNK]))
            .order_by(attendees.c.meeting_id, attendees.c.email)
        )
        for row in rows:
            found[row.meeting_id].append(Attendee.model_validate(row))
    return found


def record_reply(
    connection: sa.Connection, meeting_id: str, answer: Answer, received_at: dt.datetime
) -> Reply:
    """Return the reply recorded; one to the meeting's current sequence sets the attendee's answer.

    A reply to an earlier sequence answers a meeting that has since changed: it
    is kept, but does not count as the attendee's answer.
    """
    require_aware(received_at, f"reply of {answer.attendee!r}: received_at")
    meeting = require_meeting(connection, meeting_id)
    row = connection.execute(
        sa.insert(replies)
        .values(
            meeting_id=meeting_id,
            attendee=answer.attendee,
            partstat=answer.partstat,
            sequence=answer.sequence,
            received_at=received_at,
            source=answer.source,
            comment=answer.comment or None,
        )
        .returning(replies)
    ).one()
    if answer.sequence >= meeting.sequence:
        connection.execute(
            sa.update(attendees)
            .where(
                attendees.c.meeting_id == meeting_id,
                sa.func.lower(attendees.c.email) == answer.attendee.lower(),
            )
            .values(partstat=answer.partstat)
        )
    return Reply.model_validate(row)


def list_replies(connection: sa.Connection, meeting_id: str) -> list[Reply]:
    """Return the replies to the meeting, in the order they were recorded."""
    rows = connection.execute(
        sa.select(replies).where(replies.c.meeting_id == meeting_id).order_by(replies.c.id)
    )
    return [Reply.model_validate(row) for row in rows]


def replies_of(connection: sa.Connection, meeting_ids: Collection[str]) -> dict[str, list[Reply]]:
    """Return the replies to each of these meetings, in the order they were recorded, in one
    query per CHUNK meetings; a meeting without replies has an empty list."""
    found: dict[str, list[Reply]] = {meeting_id: [] for meeting_id in meeting_ids}
    wanted = sorted(found)
    for start in range(0, len(wanted), CHUNK):
        rows = connection.execute(
            sa.select(replies)
            .where(replies.c.meeting_id.in_(wanted[start : start + CHUNK]))
            .order_by(replies.c.id)
        )
        for row in rows:
            found[row.meeting_id].append(Reply.model_validate(row))
    return found


def list_booked(
    connection: sa.Connection, statuses: Sequence[str]
) -> list[tuple[Meeting, tuple[str, ...]]]:
    """Return the meetings in these statuses, of every training, each with its attendees' emails."""
    rows = connection.execute(
        sa.select(meetings).where(meetings.c.status.in_(statuses)).order_by(meetings.c.start)
    ).all()
    emails: dict[str, list[str]] = {row.id: [] for row in rows}
    people = sa.select(attendees.c.meeting_id, attendees.c.email).join(
        meetings, meetings.c.id == attendees.c.meeting_id
    )
    for meeting_id, email in connection.execute(people.where(meetings.c.status.in_(statuses))):
        emails[meeting_id].append(email)
    return [(Meeting.model_validate(row), tuple(emails[row.id])) for row in rows]


@dataclass(frozen=True)
class AnswerRecorded:
    """What became of one answer of a batch: its meeting, who it is from, whether it is new.

    `meeting` is None when no meeting has the UID, `attendee` (the invited address as
    stored) None when the meeting does not invite the sender; `new` is False for an
    answer recorded before from the same file.
    """

    meeting: Meeting | None
    attendee: str | None
    new: bool


_CHUNK = 500
"""The most values bound in one IN (...): well under SQLite's limit on parameters."""


def record_answers(
    connection: sa.Connection, answers: Sequence[tuple[str, Answer]], received_at: dt.datetime
) -> list[AnswerRecorded]:
    """Return what became of each (UID, answer), after recording those new, in this transaction.

    The meetings, their attendees and their replies are read once for the whole batch;
    each new answer then costs an INSERT, and an UPDATE of the attendee's answer when it
    is to the meeting's current SEQUENCE (one to an earlier one is kept, but not counted).
    """
    require_aware(received_at, "replies: received_at")
    by_uid: dict[str, Meeting] = {}
    uids = sorted({uid for uid, _ in answers})
    for start in range(0, len(uids), _CHUNK):
        rows = connection.execute(
            sa.select(meetings).where(meetings.c.uid.in_(uids[start : start + _CHUNK]))
        )
        by_uid.update((row.uid, Meeting.model_validate(row)) for row in rows)
    ids = sorted(m.id for m in by_uid.values())
    invited: dict[str, dict[str, str]] = {id: {} for id in ids}
    seen: set[tuple[str, str, str, int, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        people = connection.execute(
            sa.select(attendees.c.meeting_id, attendees.c.email)
            .where(attendees.c.meeting_id.in_(chunk))
            .order_by(attendees.c.email)
        )
        for meeting_id, email in people:
            invited[meeting_id][email.lower()] = email
        known = connection.execute(
            sa.select(
                replies.c.meeting_id,
                replies.c.attendee,
                replies.c.partstat,
                replies.c.sequence,
                replies.c.source,
            ).where(replies.c.meeting_id.in_(chunk))
        )
        seen.update((m, a.lower(), p, s, src) for m, a, p, s, src in known)
    done = []
    for uid, answer in answers:
        meeting = by_uid.get(uid)
        email = None if meeting is None else invited[meeting.id].get(answer.attendee.lower())
        if meeting is None or email is None:
            done.append(AnswerRecorded(meeting, email, False))
            continue
        key = (meeting.id, email.lower(), answer.partstat, answer.sequence, answer.source)
        if key in seen:
            done.append(AnswerRecorded(meeting, email, False))
            continue
        seen.add(key)
        _insert_answer(connection, meeting, replace(answer, attendee=email), received_at)
        done.append(AnswerRecorded(meeting, email, True))
    return done


def _insert_answer(
    connection: sa.Connection, meeting: Meeting, answer: Answer, received_at: dt.datetime
) -> None:
    """Insert the answer; one to the meeting's current SEQUENCE sets the attendee's answer."""
    connection.execute(
        sa.insert(replies).values(
            meeting_id=meeting.id,
            attendee=answer.attendee,
            partstat=answer.partstat,
            sequence=answer.sequence,
            received_at=received_at,
            source=answer.source,
            comment=answer.comment or None,
        )
    )
    if answer.sequence >= meeting.sequence:
        connection.execute(
            sa.update(attendees)
            .where(
                attendees.c.meeting_id == meeting.id,
                sa.func.lower(attendees.c.email) == answer.attendee.lower(),
            )
            .values(partstat=answer.partstat)
        )


class AnswerMethods:
    """The store's method for a run's answers, recorded as one batch (`Store` has it)."""

    _engine: sa.Engine

    def record_answers(
        self, answers: Sequence[tuple[str, Answer]], received_at: dt.datetime | None = None
    ) -> list[AnswerRecorded]:
        """Return what became of each (meeting UID, answer), all recorded in one transaction.

        Each answer is recorded once: one read before from the same file is not again.
        """
        if not answers:
            return []
        with writing(self._engine) as connection:
            return record_answers(connection, answers, received_at or dt.datetime.now(dt.UTC))
