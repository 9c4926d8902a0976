"""Meetings moved into the past, so that their notes may be taken: a test's "it was held"."""

from __future__ import annotations

import dataclasses
import datetime as dt

from consult.store import Store
from consult.store.meetings import MeetingPlan
from schemas import Meeting


def held_before(store: Store, training: str, moment: dt.datetime) -> list[Meeting]:
    """Move every meeting of `training` so that the last one ends an hour before `moment`.

    Their order and the time between them are kept; a whole number of days is
    moved, so each meeting keeps its time of day. Returns the meetings as moved.
    """
    meetings = store.meetings(training)
    last = max(m.end for m in meetings)
    gap = last - (moment - dt.timedelta(hours=1))
    shift = dt.timedelta(days=max(0, gap.days + 1))
    for meeting in meetings:
        plan = MeetingPlan.of(meeting)
        store.upsert_meeting(
            dataclasses.replace(plan, start=plan.start - shift, end=plan.end - shift)
        )
    return store.meetings(training)
