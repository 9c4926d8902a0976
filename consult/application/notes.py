"""Notes: what was learnt in the meetings, imported from files and forms, each observation once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from consult.application.consent import enforce_consent
from consult.application.references import RoundRef, TrainingRef
from consult.application.services import Services
from consult.notes.importing import ImportReport, import_folder, import_kobo, store_notes
from consult.planning.changes import find_meeting
from schemas import Attendance, MeetingNotes, ObservationInput
from schemas.state import Meeting


@dataclass(frozen=True)
class FormNotes:
    """One meeting's notes as a form gives them: the meeting's own fields come from the plan."""

    date: dt.date
    attendance: Sequence[Attendance] = ()
    observations: Sequence[ObservationInput] = ()
    date_reason: str | None = None
    others: int = 0
    held: bool = False


def import_notes(built: Services, training: TrainingRef, by: str) -> ImportReport:
    """Return the report after importing notes/ (Markdown, YAML, CSV) and the KoboToolbox form."""
    now = built.now()
    notes = built.settings.notes
    report = import_folder(built.workspace, built.store, training.slug, notes, by, now)
    report = import_kobo(built.workspace, built.store, training.slug, by, now, report=report)
    enforce_consent(built)
    return report


def meeting(built: Services, round_: RoundRef, planned: str) -> Meeting:
    """Return the stored meeting of the round planned as `planned`; raise PlanningError if none."""
    return find_meeting(built.store, round_.slug, round_.id, planned)


FORM_SOURCE = "form/{round}/{meeting}"
"""The source a form's notes are stored under: the desk's and the Prefect UI's are the same."""


def form_source(round_: str, planned: str) -> str:
    """Return the source of a meeting's notes recorded from a form, whichever form it was."""
    return FORM_SOURCE.format(round=round_, meeting=planned)


def record_meeting_notes(
    built: Services,
    round_: RoundRef,
    planned: str,
    form: FormNotes,
    by: str,
) -> ImportReport:
    """Return the report after storing one meeting's notes as a form gave them.

    They are keyed by the meeting, whichever form (the desk's, the Prefect
    UI's) gave them, so the same notes saved again update them, never double them.
    """
    found = meeting(built, round_, planned)
    notes = MeetingNotes(
        meeting=planned,
        round=round_.id,
        organisation=found.organisation,
        date=form.date,
        date_reason=form.date_reason,
        held=form.held,
        attendance=tuple(form.attendance),
        others=form.others,
        # numbered as the desk numbers its rows (o1, o2...): either form updates the other's
        observations=tuple(
            o if o.id else o.model_copy(update={"id": f"o{n}"})
            for n, o in enumerate(form.observations, start=1)
        ),
    )
    key = form_source(round_.id, planned)
    report = store_notes(built.workspace, built.store, round_.slug, [(key, notes)], by, built.now())
    enforce_consent(built)
    return report


def mark_notes_missing(built: Services, round_: RoundRef, planned: str, by: str) -> Meeting:
    """Return the meeting marked as missing its notes, for the coordinator's reminder."""
    found = meeting(built, round_, planned)
    return built.store.set_meeting_status(found.id, "notes_missing", by)
