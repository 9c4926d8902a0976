"""The demo training's analysis over one held meeting: what the pack tests render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from consult.briefing.analysis import Analysis, analyse
from consult.demo import DEMO_WORKSPACE
from consult.workspace.loading import load_workspace
from schemas import MeetingFormat
from schemas.state import Attendee, Meeting, Observation

SLUG = "intercultural-communication-2027"
NOW = dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC)


def held_meeting(
    name: str,
    organisation: str,
    meeting_format: MeetingFormat,
    start: dt.datetime,
    hours: int,
    uid: str,
) -> Meeting:
    """Return a round-1 meeting of the demo training, held, that lasted `hours`."""
    return Meeting(
        id=f"{SLUG}/round-1/{name}",
        training=SLUG,
        round="round-1",
        organisation=organisation,
        format=meeting_format,
        status="held",
        start=start,
        end=start + dt.timedelta(hours=hours),
        uid=uid,
        sequence=0,
        updated_at=NOW,
    )


def analysed(
    meeting: Meeting,
    observations: Sequence[Observation] = (),
    invited: Sequence[Attendee] | None = None,
) -> Analysis:
    """Return the demo training's analysis at NOW of that one meeting, its notes and invitees."""
    workspace = load_workspace(DEMO_WORKSPACE)
    return analyse(
        workspace.training(SLUG),
        SLUG,
        workspace.stakeholders.organisations,
        [meeting],
        list(observations),
        {} if invited is None else {meeting.id: list(invited)},
        {},
        NOW,
    )
