"""Quorum: whether a meeting's organisation answered enough for it to go ahead, and if not, when.

A meeting has its quorum when at least `consultation.quorum.accepted` (default
1) of the invitees of its own organisation accepted; the facilitators (CHAIR)
never count. A confirmed meeting still ahead is at risk when every invitee
declined, at once, or when it still lacks its quorum `quorum.days_before` days
(default 3) before its day, counted in the training's time zone, and its
invitees have had a fair window to answer: `quorum.answer_working_days`
(default 2, as planning's lead time) working days, Monday to Friday, after
their invitation went out. The day a lack is flagged "since" is never before
the invitation was sent. Each meeting
at risk comes with the next free times that keep every planning rule, the
other meetings unchanged (`consult.planning.changes.free_times`), so the
coordinator can move it.

Never at risk: a proposed meeting (nobody was invited yet, and its round's
schedule already waits for the coordinator), a cancelled or held one, one
whose notes are in, and one that has started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from consult.errors import PlanningError
from consult.planning.changes import free_times
from consult.settings import LEAD_WORKING_DAYS
from consult.store import Known, Store
from consult.workspace.loading import Workspace
from schemas.state import Attendee, Meeting, Message
from schemas.training import Quorum

if TYPE_CHECKING:
    from consult.planning.feeds import FeedResult

FeedsOf = Callable[[str], Mapping[str, "FeedResult"]]
"""The busy-time feeds of a round, by round id: asked only for a round with a meeting at risk."""

ALL_DECLINED = "every invitee declined"


@dataclass(frozen=True)
class Lack:
    """Why a meeting lacks its quorum, and the day its coordinator is told (training's zone)."""

    reason: str
    day: dt.date


@dataclass(frozen=True)
class AtRisk:
    """A meeting without its quorum, why, and the free times it could move to."""

    meeting: Meeting
    reason: str
    day: dt.date
    """For a missing acceptance the day it was due by; for a refusal, the meeting's day."""
    free_times: tuple[dt.datetime, ...]
    """UTC starts that keep every planning rule, the other meetings unchanged."""
    unplaced: str = ""
    """Why no free time could be looked for (a feed that failed, a meeting left the file)."""


def has_quorum(meeting: Meeting, attendees: Sequence[Attendee], quorum: Quorum) -> bool:
    """Return whether enough invitees of the meeting's own organisation accepted."""
    accepted = [
        a
        for a in attendees
        if a.role != "CHAIR"
        and (a.organisation or meeting.organisation) == meeting.organisation
        and a.partstat == "ACCEPTED"
    ]
    return len(accepted) >= quorum.accepted


def lack(
    meeting: Meeting,
    attendees: Sequence[Attendee],
    quorum: Quorum,
    zone: ZoneInfo,
    now: dt.datetime,
    *,
    held: bool = False,
    invited_at: dt.datetime | None = None,
) -> Lack | None:
    """Return why the meeting lacks its quorum at `now` (aware), or None when it is not at risk.

    `held` says its notes are in: it took place, whatever its status says.
    `invited_at` says when its invitations went out (None: not yet, so nobody could accept).
    """
    if meeting.status != "confirmed" or held or meeting.start <= now:
        return None
    day = meeting.start.astimezone(zone).date()
    invitees = [a for a in attendees if a.role != "CHAIR"]
    if invitees and all(a.partstat == "DECLINED" for a in invitees):
        return Lack(ALL_DECLINED, day)
    if invited_at is None or has_quorum(meeting, attendees, quorum):
        return None
    due = day - dt.timedelta(days=quorum.days_before)
    answered_by = after_working_days(invited_at.astimezone(zone), quorum.answer_working_days)
    if now < answered_by or now.astimezone(zone).date() < due:
        return None
    wanted = (
        "no acceptance" if quorum.accepted == 1 else f"fewer than {quorum.accepted} acceptances"
    )
    since = max(due, answered_by.date())
    if since > due and quorum.answer_working_days:
        return Lack(
            f"{wanted} {quorum.answer_working_days} working days after the invitation", since
        )
    return Lack(f"{wanted} {quorum.days_before} days before it", since)


def after_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """Return the moment `days` working days (Monday to Friday) after `start`, in its zone.

    A start on a Saturday or Sunday counts from the Monday after, at midnight; 0 days is `start`.
    """
    moment = start
    if days and moment.weekday() >= 5:
        monday = moment.date() + dt.timedelta(days=7 - moment.weekday())
        moment = dt.datetime.combine(monday, dt.time(), moment.tzinfo)
    counted = 0
    while counted < days:
        moment += dt.timedelta(days=1)
        counted += moment.weekday() < 5
    return moment


OFFERED = 3
"""How many free times a meeting at risk is offered to move to."""


def at_risk(
    workspace: Workspace,
    store: Store,
    slug: str,
    now: dt.datetime,
    feeds: FeedsOf,
    *,
    lead_working_days: int = LEAD_WORKING_DAYS,
    known: Known | None = None,
) -> list[AtRisk]:
    """Return the training's meetings at `now` (aware) that lack their quorum, by start.

    Each with up to OFFERED free times that keep every rule; the feeds of a
    round are asked once, and only when one of its meetings is at risk. `known`: the
    training's meetings, attendees and messages as the caller already read them.
    """
    training = workspace.training(slug)
    zone = ZoneInfo(training.timezone)
    known = known or Known.read(store, slug)
    noted = known.noted
    invited = _invited_at(known.messages)
    fetched: dict[str, Mapping[str, FeedResult]] = {}
    risks = []
    attendees = known.attendees
    for meeting in known.meetings:
        why = lack(
            meeting,
            attendees[meeting.id],
            training.consultation.quorum,
            zone,
            now,
            held=meeting.id in noted,
            invited_at=invited.get((meeting.id, meeting.sequence)),
        )
        if why is None:
            continue
        if meeting.round not in fetched:
            fetched[meeting.round] = feeds(meeting.round)
        try:
            offered = free_times(
                workspace,
                store,
                meeting,
                fetched[meeting.round],
                now=now,
                lead_working_days=lead_working_days,
                count=OFFERED,
            )
        except PlanningError as error:
            risks.append(AtRisk(meeting, why.reason, why.day, (), unplaced=str(error)))
            continue
        risks.append(AtRisk(meeting, why.reason, why.day, tuple(offered)))
    return risks


def _invited_at(messages: Sequence[Message]) -> dict[tuple[str, int], dt.datetime]:
    """Return when each meeting version's first invitation or update went out."""
    first: dict[tuple[str, int], dt.datetime] = {}
    for m in messages:
        if m.status != "sent" or m.kind not in ("invitation", "update") or m.sent_at is None:
            continue
        key = (m.meeting_id, m.sequence)
        first[key] = min(first.get(key, m.sent_at), m.sent_at)
    return first


def risk_line(risk: AtRisk, zone: str) -> str:
    """Return one line for the coordinator: the meeting, when, why, and where it could go."""
    local = ZoneInfo(zone)
    meeting = risk.meeting
    planned = meeting.id.split("/", 1)[-1]
    when = f"{meeting.start.astimezone(local):%a %d %b %Y %H:%M}"
    by = "" if risk.reason == ALL_DECLINED else f" (since {risk.day:%a %d %b %Y})"
    line = f"{planned} on {when}: {risk.reason}{by}; "
    if risk.free_times:
        starts = ", ".join(f"{s.astimezone(local):%a %d %b %H:%M}" for s in risk.free_times)
        return line + f"free times that keep every rule ({zone}): {starts}"
    if risk.unplaced:
        return line + f"no free time could be looked for: {risk.unplaced.splitlines()[0]}"
    return line + "no time within the round's window keeps every rule"
