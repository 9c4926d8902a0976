"""Stores a round's plan and the coordinator's decision on it, each in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from consult.store import audit as _audit
from consult.store import meetings as _meetings
from consult.store import polls as _polls
from consult.store.meetings import MeetingPlan
from schemas.state import Attendee, Meeting


@dataclass(frozen=True)
class Proposal(MeetingPlan):
    """A meeting as a round's plan proposes it, with whom it invites."""

    attendees: tuple[Attendee, ...] = ()
    options: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    """A date poll's candidate times; none: the meeting is no poll."""
    deadline: dt.datetime | None = None
    """When the date poll's voting closes."""


def propose_round(
    connection: sa.Connection,
    now: dt.datetime,
    training: str,
    round: str,
    proposals: Sequence[Proposal],
    withdraw: Sequence[str],
    actor: str,
    detail: Mapping[str, Any],
) -> list[Meeting]:
    """Return the round's meetings once its proposals are (again) proposed, the rest withdrawn."""
    for proposal in proposals:
        _meetings.upsert_meeting(connection, now, proposal)
        _meetings.set_meeting_status(connection, now, proposal.id, "proposed")
        _meetings.set_attendees(connection, proposal.id, proposal.attendees)
        if proposal.options and proposal.deadline is not None:
            _polls.open_poll(
                connection, now, proposal.id, proposal.deadline, proposal.options, actor
            )
    for meeting_id in withdraw:
        _meetings.set_meeting_status(connection, now, meeting_id, "cancelled")
    _audit.append(
        connection,
        now,
        actor=actor,
        action="round.proposed",
        subject=f"{training}/{round}",
        detail={"proposed": [p.id for p in proposals], "withdrawn": list(withdraw), **detail},
    )
    return _meetings.list_meetings(connection, training, round)


def decide_round(
    connection: sa.Connection,
    now: dt.datetime,
    training: str,
    round: str,
    approve: bool,
    actor: str,
    comment: str,
) -> list[Meeting]:
    """Return the round's meetings after the decision: approval confirms the proposed ones."""
    proposed = [
        m.id for m in _meetings.list_meetings(connection, training, round) if m.status == "proposed"
    ]
    if approve:
        for meeting_id in proposed:
            _meetings.set_meeting_status(connection, now, meeting_id, "confirmed")
    _audit.append(
        connection,
        now,
        actor=actor,
        action="round.approved" if approve else "round.sent_back",
        subject=f"{training}/{round}",
        detail={"meetings": proposed, "comment": comment},
    )
    return _meetings.list_meetings(connection, training, round)
