"""Changes a confirmed meeting: moves it, or calls it off; the messages follow from the store.

Moving a meeting people were told of raises its SEQUENCE, so the next send
gives each attendee an update; cancelling it does the same with a cancellation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from consult.errors import PlanningError
from consult.store import MeetingPlan, Store
from consult.workspace.loading import Workspace
from consult.workspace.rounds import meeting_id
from schemas.state import Meeting


def find_meeting(store: Store, slug: str, round_id: str, planned: str) -> Meeting:
    """Return the stored meeting of a planned one, or raise PlanningError naming it."""
    found = store.get_meeting(meeting_id(slug, round_id, planned))
    if found is None:
        known = ", ".join(m.id.rsplit("/", 1)[-1] for m in store.meetings(slug, round_id))
        raise PlanningError(
            f"{slug}/{round_id}: got meeting {planned!r}, expected one of: {known or 'none yet'}"
        )
    return found


def local_start(workspace: Workspace, slug: str, text: str) -> dt.datetime:
    """Return the UTC instant of a local date and time written in the training's time zone."""
    zone = ZoneInfo(workspace.training(slug).timezone)
    try:
        naive = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PlanningError(
            f"start: got {text!r}, expected a local date and time such as 2027-01-12T10:00"
        ) from None
    if naive.tzinfo is not None:
        return naive.astimezone(dt.UTC)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def reschedule(
    store: Store, meeting: Meeting, start: dt.datetime, actor: str, now: dt.datetime
) -> Meeting:
    """Return the meeting moved to `start`, its length kept; people told of it get an update."""
    if start <= now:
        raise PlanningError(f"{meeting.id}: got start {start.isoformat()}, expected a future time")
    if meeting.status not in ("proposed", "confirmed"):
        raise PlanningError(f"{meeting.id}: is {meeting.status}, expected proposed or confirmed")
    moved = store.upsert_meeting(
        dataclasses.replace(
            MeetingPlan.of(meeting), start=start, end=start + (meeting.end - meeting.start)
        )
    )
    store.audit(
        actor,
        "meeting.rescheduled",
        meeting.id,
        {"from": meeting.start.isoformat(), "to": start.isoformat(), "sequence": moved.sequence},
    )
    return moved


def cancel(store: Store, meeting: Meeting, actor: str) -> Meeting:
    """Return the meeting cancelled; people told of it get a cancellation on the next send."""
    if meeting.status == "cancelled":
        return meeting
    return store.set_meeting_status(meeting.id, "cancelled", actor)
