"""Stores date polls: a meeting's candidate times, the invitees' votes, and the time picked.

A poll meeting is stored like any other (its start is the planner's first
choice until the pick) and has a row in `polls` with its options. Each invitee
holds one current vote per option: a later vote replaces the earlier, and the
audit log keeps each (`poll.voted`). The pick (`poll.picked`) gives the meeting
the option's time without raising its SEQUENCE: no calendar invitation went out
before it, so the first one that goes is an invitation, not an update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from consult.errors import PollError
from consult.store import audit as _audit
from consult.store import meetings as _meetings
from consult.store.engine import reading, writing
from consult.store.tables import meetings, poll_options, poll_votes, polls
from schemas.state import Meeting, Vote

VOTES: tuple[Vote, ...] = ("yes", "if_need_be", "no")


@dataclass(frozen=True)
class PollOption:
    """One candidate time of a poll, numbered from 1 by start."""

    option: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class PollState:
    """A meeting's poll as stored: its options, the current votes, and the pick if any."""

    meeting_id: str
    deadline: dt.datetime
    options: tuple[PollOption, ...]
    votes: Mapping[str, Mapping[int, Vote]] = field(default_factory=dict)
    """Each voter's (lower-case email) current vote per option number."""
    picked: int | None = None
    picked_by: str | None = None
    picked_at: dt.datetime | None = None

    @property
    def open(self) -> bool:
        """Return whether the poll still waits for its pick."""
        return self.picked is None

    def option(self, number: int) -> PollOption:
        """Return the option with this number, or raise PollError naming the ones there are."""
        for option in self.options:
            if option.option == number:
                return option
        known = ", ".join(str(o.option) for o in self.options)
        raise PollError(f"{self.meeting_id}: option: got {number!r}, expected one of {known}")


def read_polls(
    connection: sa.Connection, meeting_ids: Collection[str] | None
) -> dict[str, PollState]:
    """Return the polls of these meetings (every poll when None), by meeting id."""
    query = sa.select(polls)
    if meeting_ids is not None:
        if not meeting_ids:
            return {}
        query = query.where(polls.c.meeting_id.in_(list(meeting_ids)))
    rows = connection.execute(query).all()
    ids = [row.meeting_id for row in rows]
    options: dict[str, list[PollOption]] = {i: [] for i in ids}
    votes: dict[str, dict[str, dict[int, Vote]]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for o in connection.execute(
            sa.select(poll_options)
            .where(poll_options.c.meeting_id.in_(chunk))
            .order_by(poll_options.c.meeting_id, poll_options.c.option)
        ):
            options[o.meeting_id].append(PollOption(o.option, o.start, o.end))
        for v in connection.execute(
            sa.select(poll_votes).where(poll_votes.c.meeting_id.in_(chunk))
        ):
            votes[v.meeting_id].setdefault(v.attendee, {})[v.option] = v.vote
    return {
        row.meeting_id: PollState(
            row.meeting_id,
            row.deadline,
            tuple(options[row.meeting_id]),
            votes[row.meeting_id],
            row.picked,
            row.picked_by,
            row.picked_at,
        )
        for row in rows
    }


def _require(connection: sa.Connection, meeting_id: str) -> PollState:
    found = read_polls(connection, [meeting_id]).get(meeting_id)
    if found is None:
        raise PollError(f"meeting: got {meeting_id!r}, expected a meeting planned as a date poll")
    return found


def open_poll(
    connection: sa.Connection,
    now: dt.datetime,
    meeting_id: str,
    deadline: dt.datetime,
    options: Sequence[tuple[dt.datetime, dt.datetime]],
    actor: str,
) -> PollState:
    """Return the meeting's poll with these options; the same options keep their votes.

    A poll picked already is left as it is. New options (a plan made again) drop
    the votes, which were for other times.
    """
    existing = read_polls(connection, [meeting_id]).get(meeting_id)
    times = [(s, e) for s, e in sorted(options)]
    if existing is not None and existing.picked is not None:
        return existing
    if existing is not None and [(o.start, o.end) for o in existing.options] == times:
        if existing.deadline != deadline:
            connection.execute(
                sa.update(polls).where(polls.c.meeting_id == meeting_id).values(deadline=deadline)
            )
        return _require(connection, meeting_id)
    if existing is not None:
        connection.execute(sa.delete(poll_votes).where(poll_votes.c.meeting_id == meeting_id))
        connection.execute(sa.delete(poll_options).where(poll_options.c.meeting_id == meeting_id))
        connection.execute(
            sa.update(polls).where(polls.c.meeting_id == meeting_id).values(deadline=deadline)
        )
    else:
        connection.execute(
            sa.insert(polls).values(meeting_id=meeting_id, deadline=deadline, created_at=now)
        )
    connection.execute(
        sa.insert(poll_options),
        [
            {"meeting_id": meeting_id, "option": number, "start": start, "end": end}
            for number, (start, end) in enumerate(times, 1)
        ],
    )
    _audit.append(
        connection,
        now,
        actor=actor,
        action="poll.opened",
        subject=meeting_id,
        detail={
            "deadline": deadline.isoformat(),
            "options": [start.isoformat() for start, _ in times],
            "votes_dropped": existing is not None and bool(existing.votes),
        },
    )
    return _require(connection, meeting_id)


def record_votes(
    connection: sa.Connection,
    now: dt.datetime,
    meeting_id: str,
    email: str,
    votes: Mapping[int, Vote],
    via: str,
    actor: str,
) -> PollState:
    """Return the poll after `email`'s votes replaced their earlier ones on those options."""
    poll = _require(connection, meeting_id)
    if not poll.open:
        raise PollError(f"{meeting_id}: the poll is closed: option {poll.picked} was picked")
    invited = {a.email.lower() for a in _meetings.list_attendees(connection, meeting_id)}
    voter = email.strip().lower()
    if voter not in invited:
        raise PollError(f"{meeting_id}: email: got {email!r}, expected an invitee of the meeting")
    if not votes:
        raise PollError(f"{meeting_id}: votes: got none, expected a vote on at least one option")
    for number, vote in votes.items():
        poll.option(number)
        if vote not in VOTES:
            raise PollError(
                f"{meeting_id}: option {number}: got {vote!r}, expected one of {', '.join(VOTES)}"
            )
    for number, vote in sorted(votes.items()):
        connection.execute(
            sa.delete(poll_votes).where(
                poll_votes.c.meeting_id == meeting_id,
                poll_votes.c.option == number,
                poll_votes.c.attendee == voter,
            )
        )
        connection.execute(
            sa.insert(poll_votes).values(
                meeting_id=meeting_id, option=number, attendee=voter, vote=vote, via=via, at=now
            )
        )
    _audit.append(
        connection,
        now,
        actor=actor,
        action="poll.voted",
        subject=meeting_id,
        detail={
            "attendee": voter,
            "via": via,
            "votes": {str(n): v for n, v in sorted(votes.items())},
            "replaced": {
                str(n): old
                for n, old in poll.votes.get(voter, {}).items()
                if n in votes and votes[n] != old
            },
        },
    )
    return _require(connection, meeting_id)


def pick_option(
    connection: sa.Connection,
    now: dt.datetime,
    meeting_id: str,
    number: int,
    actor: str,
    detail: Mapping[str, object],
) -> tuple[PollState, Meeting]:
    """Return the poll and its meeting once option `number` is picked and the meeting moved to it.

    Raises PollError when the poll was picked already (the first pick stands).
    """
    poll = _require(connection, meeting_id)
    chosen = poll.option(number)
    if not poll.open:
        raise PollError(
            f"{meeting_id}: the poll was picked already (option {poll.picked}, by "
            f"{poll.picked_by}): the first pick stands"
        )
    meeting = _meetings.require_meeting(connection, meeting_id)
    if meeting.status not in ("proposed", "confirmed"):
        raise PollError(f"{meeting_id}: is {meeting.status}, expected proposed or confirmed")
    connection.execute(
        sa.update(polls)
        .where(polls.c.meeting_id == meeting_id)
        .values(picked=number, picked_by=actor, picked_at=now)
    )
    # No calendar invitation went out while voting: the time is given, not changed.
    connection.execute(
        sa.update(meetings)
        .where(meetings.c.id == meeting_id)
        .values(start=chosen.start, end=chosen.end, updated_at=now)
    )
    _audit.append(
        connection,
        now,
        actor=actor,
        action="poll.picked",
        subject=meeting_id,
        detail={"option": number, "start": chosen.start.isoformat(), **detail},
    )
    return _require(connection, meeting_id), _meetings.require_meeting(connection, meeting_id)


class PollMethods:
    """The store's date polls (`Store` has them)."""

    _engine: sa.Engine

    def open_poll(
        self,
        meeting_id: str,
        deadline: dt.datetime,
        options: Sequence[tuple[dt.datetime, dt.datetime]],
        actor: str,
    ) -> PollState:
        """Return the meeting's poll with these candidate times (see `open_poll`)."""
        with writing(self._engine) as connection:
            return open_poll(connection, _now(), meeting_id, deadline, options, actor)

    def polls_of(self, meeting_ids: Collection[str] | None = None) -> dict[str, PollState]:
        """Return the polls of these meetings (every poll when None), by meeting id."""
        with reading(self._engine) as connection:
            return read_polls(connection, meeting_ids)

    def poll(self, meeting_id: str) -> PollState | None:
        """Return the meeting's poll, or None when it is no poll."""
        return self.polls_of([meeting_id]).get(meeting_id)

    def record_votes(
        self, meeting_id: str, email: str, votes: Mapping[int, Vote], via: str, actor: str
    ) -> PollState:
        """Return the poll after `email`'s votes replaced their earlier ones (audited)."""
        with writing(self._engine) as connection:
            return record_votes(connection, _now(), meeting_id, email, votes, via, actor)

    def pick_option(
        self, meeting_id: str, number: int, actor: str, detail: Mapping[str, object]
    ) -> tuple[PollState, Meeting]:
        """Return the poll and its meeting once the option is picked (audited)."""
        with writing(self._engine) as connection:
            return pick_option(connection, _now(), meeting_id, number, actor, detail)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
