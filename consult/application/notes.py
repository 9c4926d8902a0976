"""Notes: what was learnt in the meetings, imported from files and forms, each observation once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from consult.application.references import RoundRef, TrainingRef
from consult.application.services import Services
from consult.notes.importing import ImportReport, import_folder, import_kobo, store_notes
from consult.planning.changes import find_meeting
from schemas import Attendance, MeetingNotes, ObservationInput
from schemas.state import Meeting


def import_notes(built: Services, training: TrainingRef, by: str) -> ImportReport:
    """Return the report after importing notes/ (Markdown, YAML, CSV) and the KoboToolbox form."""
    report = import_folder(built.workspace, built.store, training.slug, built.settings.notes, by)
    return import_kobo(built.workspace, built.store, training.slug, by, report=report)


def meeting(built: Services, round_: RoundRef, planned: str) -> Meeting:
    """Return the stored meeting of the round planned as `planned`; raise PlanningError if none."""
    return find_meeting(built.store, round_.slug, round_.id, planned)


def record_meeting_notes(
    built: Services,
    round_: RoundRef,
    planned: str,
    date: dt.date,
    attendance: Sequence[Attendance],
    observations: Sequence[ObservationInput],
    by: str,
) -> ImportReport:
    """Return the report after storing one meeting's notes as a form gave them.

    They are keyed by the meeting, so the same form saved again updates them, never doubles them.
    """
    found = meeting(built, round_, planned)
    notes = MeetingNotes(
        meeting=planned,
        round=round_.id,
        organisation=found.organisation,
        date=date,
        attendance=tuple(attendance),
        observations=tuple(observations),
    )
    key = f"form/{round_.id}/{planned}"
    return store_notes(built.workspace, built.store, round_.slug, [(key, notes)], by)


def mark_notes_missing(built: Services, round_: RoundRef, planned: str, by: str) -> Meeting:
    """Return the meeting marked as missing its notes, for the coordinator's reminder."""
    found = meeting(built, round_, planned)
    return built.store.set_meeting_status(found.id, "notes_missing", by)
