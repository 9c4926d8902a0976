"""Turns the fields read from a notes file, in any format, into checked `MeetingNotes`.

Each parser (`markdown`, `yamlnotes`, `csvnotes`, and `kobo` for survey answers)
reads a meeting's fields its own way and gives them here: a bad attendee or
observation is reported and skipped, the rest of the meeting is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from consult.errors import Problem
from consult.workspace.problems import Hints, Locate, problems_from_validation
from consult.workspace.yamlfile import Loc
from schemas.notes import Attendance, MeetingNotes, ObservationInput

Items = list[tuple[str, MeetingNotes]]
"""The meeting notes of a file, each under its source key."""

NoteField = Literal[
    "meeting",
    "round",
    "organisation",
    "date",
    "date_reason",
    "held",
    "others",
    "kind",
    "theme",
    "severity",
    "text",
    "quote",
    "speaker_role",
    "confidentiality",
    "owner",
    "due",
    "source",
]
"""A field of a notes row: the meeting's, then the observation's (CSV columns, Kobo fields)."""
REQUIRED_FIELDS = ("meeting", "organisation", "date", "kind", "theme", "severity", "text")
MEETING_FIELDS = ("meeting", "round", "organisation", "date", "date_reason", "held", "others")

_SEVERITY = "a severity from 1 (minor) to 4 (critical)"
_SEVERITY_ERRORS = (
    "missing",
    "greater_than_equal",
    "less_than_equal",
    "int_parsing",
    "int_from_float",
)
HINTS = Hints(
    expected={
        ("kind", "missing"): "a kind: gap, need, challenge, good_practice, recommendation, "
        "commitment or question",
        ("theme", "missing"): "a theme id of the training",
        **{("severity", kind): _SEVERITY for kind in _SEVERITY_ERRORS},
    },
    about={"commitment": "owner"},
)
"""What a person writing notes is told beyond pydantic's words: the kinds, the severities."""


def within(locate: Locate, prefix: Loc) -> Locate:
    """Return `locate` for a part, found at `prefix` of the whole, that is checked on its own."""
    return lambda loc: locate((*prefix, *loc))


def valid_entries(
    entries: Iterable[tuple[int, Any]],
    model: type[BaseModel],
    file: str,
    locate: Locate,
    problems: list[Problem],
) -> list[Any]:
    """Return the entries that are a valid `model`; each invalid one adds its problems.

    An observation read here from what was written (a mapping) is placed at the line
    where its entry starts; one checked already keeps the line its reader gave it.
    """
    valid = []
    for index, entry in entries:
        written = model is ObservationInput and isinstance(entry, dict)
        if written and not entry.get("id"):
            # its place in the file, counting items that are invalid now: a fix to one
            # item never shifts the key of another
            entry = {**entry, "id": str(index + 1)}
        at = within(locate, (index,))
        try:
            checked = model.model_validate(entry)
        except ValidationError as error:
            problems += problems_from_validation(error, model, file, at, HINTS)
            continue
        if written and isinstance(checked, ObservationInput):
            checked = checked.written_at(at(())[0])
        valid.append(checked)
    return valid


def meeting_notes(
    raw: dict[Any, Any], file: str, locate: Locate
) -> tuple[MeetingNotes | None, list[Problem]]:
    """Return the meeting notes in `raw`, keeping every valid attendee and observation."""
    problems: list[Problem] = []
    fields = dict(raw)
    for key, model in (("attendance", Attendance), ("observations", ObservationInput)):
        if isinstance(fields.get(key), list):
            at = within(locate, (key,))
            fields[key] = valid_entries(enumerate(fields[key]), model, file, at, problems)
    try:
        return MeetingNotes.model_validate(fields), problems
    except ValidationError as error:
        found = problems_from_validation(error, MeetingNotes, file, locate, HINTS)
        return None, [*problems, *found]


def source_key(name: str, notes: MeetingNotes) -> str:
    """Return the source key of one meeting among several in the file `name`."""
    return (
        f"{name}#{notes.meeting}"
        if notes.round is None
        else f"{name}#{notes.round}/{notes.meeting}"
    )
