"""Reads consultation notes from CSV: a header row, then one observation per row.

Rows are grouped into meetings by (meeting, round); a meeting's organisation and date
are those of its first row, and a row that says otherwise is reported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import ValidationError

from consult.errors import MISSING, Problem
from consult.notes.meetings import (
    HINTS,
    MEETING_FIELDS,
    REQUIRED_FIELDS,
    Items,
    NoteField,
    meeting_notes,
    source_key,
)
from consult.notes.translated import FLAT, flat_key, fold
from consult.workspace.problems import Locate, problems_from_validation
from schemas.notes import ObservationInput

COLUMNS: tuple[str, ...] = (*get_args(NoteField), "id", "language", *FLAT)


@dataclass
class _Rows:
    """The rows of one meeting: its fields as on its first row, and its valid observations."""

    line: int
    fields: dict[str, str]
    observations: list[ObservationInput] = field(default_factory=list)
    seen: int = 0


def _at_row(line: int) -> Locate:
    return lambda loc: (line, (flat_key(loc) or str(loc[0])) if loc else "")


def read_csv_notes(text: str, name: str) -> tuple[Items, list[Problem]]:
    """Return the meeting notes in the CSV `text` of the file `name`, and its problems."""
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    meetings: dict[tuple[str, str], _Rows] = {}
    try:
        header = [column.strip() for column in next(reader, [])]
        if not any(header):
            return [], [Problem(name, None, "", None, "is empty, expected a header row")]
        problems += _header_problems(header, name)
        if problems:
            return [], problems
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                expected = f"has {len(row)} columns, expected {len(header)} as in the header"
                problems.append(Problem(name, line, "", None, expected))
                continue
            _add_row(dict(zip(header, row, strict=True)), line, name, meetings, problems)
    except csv.Error as error:
        problems.append(Problem(name, reader.line_num, "", None, f"is not valid CSV: {error}"))
    items: Items = []
    for rows in meetings.values():
        raw = {**rows.fields, "observations": rows.observations}
        notes, found = meeting_notes(raw, name, _at_row(rows.line))
        problems += found
        if notes is not None:
            items.append((source_key(name, notes), notes))
    return items, problems


def _header_problems(header: list[str], name: str) -> list[Problem]:
    problems = [
        Problem(name, 1, "", column, f"a column among: {', '.join(COLUMNS)}")
        for column in header
        if column not in COLUMNS
    ]
    problems += [
        Problem(name, 1, column, MISSING, "a column of this name in the header")
        for column in REQUIRED_FIELDS
        if column not in header
    ]
    problems += [
        Problem(name, 1, column, column, "each column once in the header (this one is repeated)")
        for column in sorted({column for column in header if header.count(column) > 1})
    ]
    return problems


def _add_row(
    row: dict[str, str],
    line: int,
    name: str,
    meetings: dict[tuple[str, str], _Rows],
    problems: list[Problem],
) -> None:
    """Add one row's observation to its meeting, or its problems when it has any."""
    values = {column: cell.strip() for column, cell in row.items() if cell.strip()}
    fields = {column: values[column] for column in MEETING_FIELDS if column in values}
    rows = meetings.setdefault(
        (values.get("meeting", ""), values.get("round", "")), _Rows(line, fields)
    )
    for column in ("organisation", "date"):
        if fields.get(column) != rows.fields.get(column):
            first = rows.fields.get(column)
            shown = repr(first) if first else "an empty cell"
            expected = f"{shown} as on line {rows.line}, for the same meeting"
            problems.append(Problem(name, line, column, values.get(column, MISSING), expected))
            return
    observation: dict[str, Any] = {c: v for c, v in values.items() if c not in MEETING_FIELDS}
    rows.seen += 1
    # its place among the meeting's rows, counting invalid ones: keys never shift
    observation.setdefault("id", str(rows.seen))
    severity = observation.get("severity")
    if isinstance(severity, str) and severity.isdigit():
        observation["severity"] = int(severity)
    try:
        checked = ObservationInput.model_validate(fold(observation))
        rows.observations.append(checked.written_at(line))
    except ValidationError as error:
        problems += problems_from_validation(error, ObservationInput, name, _at_row(line), HINTS)
