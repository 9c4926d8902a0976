"""A meeting as the desk shows it, on the training page and beside a decision: when first, then who.

Its state is the one `consult.coordination.states.meeting_state` names, shown
by its stored name as words, so a state added elsewhere appears here unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from consult.coordination.states import MailNotices, invited_at, mail_notices, meeting_state
from consult.coordination.states import waiting_counters as countered_meetings
from consult.store import Store
from consult.workspace.loading import Workspace
from consult.workspace.people import organisation_names
from desk.wording import DASH, answer_words, local, span, words
from schemas.state import Attendee, Meeting

if TYPE_CHECKING:
    from desk.polls import PollView


@dataclass(frozen=True)
class Party:
    """An invitee of a meeting, with their answer and their local time."""

    name: str
    email: str
    organisation: str
    role: str
    answer: str
    attended: bool | None
    local: str
    mail: str = ""
    """What the mail read says of them beside their answer: an automatic reply came."""
    comment: str = ""
    """What they said with their answer: "On mission that week, sorry"."""


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the training page shows it: when first, then who, then its state."""

    id: str
    planned: str
    round: str
    when: str
    """The date and time in the training's zone."""
    local_times: tuple[str, ...]
    """Each other zone of the parties: 'Europe/Bucharest 08:00-09:00'."""
    organisation: str
    format: str
    facilitators: tuple[str, ...]
    invitees: tuple[Party, ...]
    state: str
    observations: int
    quorum: str = ""
    """Why the meeting lacks its quorum and is at risk; empty: it is not."""
    started: bool = True
    """Whether it has started, so that its notes can be recorded."""
    poll: PollView | None = None
    """Its date poll's times and votes; None: it is no poll."""


def round_meetings(
    workspace: Workspace, store: Store, slug: str, round_id: str
) -> tuple[MeetingRow, ...]:
    """Return the rows of a round's meetings, as the training page shows them."""
    training = workspace.training(slug)
    zone = ZoneInfo(training.timezone)
    names = organisation_names(workspace)
    facilitators = {f.id: f.name for f in training.consultation.facilitators}
    countered = countered_meetings(store, f"{slug}/{round_id}/")
    meetings = store.meetings(slug, round_id)
    ids = {m.id for m in meetings}
    sent = [m for m in store.messages(status="sent") if m.meeting_id in ids]
    told = invited_at(sent)
    noted = store.observation_counts(slug)
    attendees = store.attendees_of(ids)
    notices = mail_notices(store, sent, meetings)
    rows = []
    for meeting in meetings:
        row = meeting_row(
            meeting,
            attendees[meeting.id],
            zone,
            names,
            facilitators,
            told,
            noted.get(meeting.id, 0),
            countered=meeting.id in countered,
        )
        rows.append(with_mail(row, notices))
    return tuple(rows)


def with_mail(row: MeetingRow, notices: MailNotices) -> MeetingRow:
    """Return the row with what each invitee said with their answer, and what the mail
    read says of them.

    An invitee whose address bounced and who has not answered is shown as bounced, with
    the reason, rather than as waiting for an answer.
    """
    invitees = []
    for party in row.invitees:
        comment = notices.comments.get((row.id, party.email.lower()), "")
        party = replace(party, comment=comment)
        said = notices.about(row.id, party.email)
        if said.startswith("bounced") and party.answer == answer_words("NEEDS-ACTION"):
            invitees.append(replace(party, answer=said))
        else:
            invitees.append(replace(party, mail=said))
    return replace(row, invitees=tuple(invitees))


def meeting_row(
    meeting: Meeting,
    attendees: Sequence[Attendee],
    zone: ZoneInfo,
    names: Mapping[str, str],
    facilitators: Mapping[str, str],
    invited: set[tuple[str, int]],
    observations: int,
    quorum: str = "",
    countered: bool = False,
    started: bool = True,
) -> MeetingRow:
    """Return a meeting's row: its time in `zone` and each invitee's, who, and its state."""
    zones = sorted({a.timezone for a in attendees} - {zone.key})
    local_times = tuple(
        f"{other} {local(meeting.start, ZoneInfo(other), False)}{DASH}"
        f"{local(meeting.end, ZoneInfo(other), False)}"
        for other in zones
    )
    parties = tuple(
        Party(
            name=a.name,
            email=a.email,
            organisation=names.get(a.organisation or "", a.organisation or ""),
            role=words(a.role.lower()),
            answer=answer_words(a.partstat),
            attended=a.attended,
            local=local(meeting.start, ZoneInfo(a.timezone)),
        )
        for a in attendees
    )
    return MeetingRow(
        id=meeting.id,
        planned=meeting.id.rsplit("/", 1)[-1],
        round=meeting.round,
        when=f"{span(meeting, zone)} ({zone.key})",
        local_times=local_times,
        organisation=names.get(meeting.organisation, meeting.organisation),
        format=words(meeting.format),
        facilitators=tuple(facilitators.get(f, f) for f in meeting.facilitators),
        invitees=parties,
        state=meeting_state(
            meeting, attendees, (meeting.id, meeting.sequence) in invited, observations, countered
        ),
        observations=observations,
        quorum=quorum,
        started=started,
    )
