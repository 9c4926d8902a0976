"""Reads the rows of a spreadsheet of contacts into organisations, remembering each cell.

A row is one contact; its organisation is found by id, else by any of its names, else
made from its English name (`slugify`). The organisation's fields must have one value on
all its rows; a row that gives another is a problem naming its sheet, row and column.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from consult.errors import MISSING, Problem, SheetProblem
from consult.workspace.cells import read_cell, script_of
from consult.workspace.columns import LANGUAGES, SCRIPT_KEYS
from consult.workspace.sheets import Sheet, column_letter
from consult.workspace.slugs import slugify
from schemas.stakeholders import StakeholdersFile

ORGANISATION_PATHS: dict[str, tuple[str, ...]] = {
    **{f"organisation_{lang}": ("name", lang) for lang in LANGUAGES},
    **{f"kind_label_{lang}": ("kind_label", lang) for lang in LANGUAGES},
    "kind": ("kind",),
    "country": ("country",),
    "working_days": ("working_hours", "days"),
    "working_hours": ("working_hours",),
    "organisation_busy_feed": ("busy_feed",),
    "influence": ("influence",),
    "interest": ("interest",),
    "stance": ("stance",),
}
"""Column key -> where its value goes in an organisation's YAML mapping."""
CONTACT_KEYS = ("name", "email", "role", "language", "timezone", "busy_feed", "location")


@dataclass
class Cell:
    """Where a value of the spreadsheet came from, as a problem names it: sheet, row, column."""

    sheet: Sheet
    row: int
    column: str
    """`column D (Email)`, or `kind (no column)` for a field the sheet lacks."""


@dataclass
class Group:
    """The rows of one organisation: what they set, and where each value came from."""

    id: str
    index: int | None
    first: Cell
    present: Mapping[str, int]
    """Field -> column index, in the sheet of the group's first row."""
    values: dict[tuple[str, ...], tuple[Any, Cell]] = field(default_factory=dict)
    texts: dict[tuple[str, ...], str] = field(default_factory=dict)
    """The cell text each value of `values` was read from."""
    contacts: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """A contact as a row gives it, and the cells each of its fields came from."""

    contact: dict[str, Any]
    cells: dict[str, Cell]
    at: Cell
    present: Mapping[str, int]


def group_rows(
    sheets: Sequence[Sheet],
    columns: Mapping[str, str],
    raw: dict[str, Any],
    registry: StakeholdersFile | None,
    problems: list[Problem],
) -> dict[str, Group]:
    """Return the sheets' rows grouped by organisation, in the order they first appear."""
    by_name = _names(registry)
    indices = {o.id: i for i, o in enumerate(registry.organisations)} if registry else {}
    groups: dict[str, Group] = {}
    for sheet in sheets:
        keyed = [(c, columns.get(h)) for c, h in enumerate(sheet.header)]
        present = {key: c for c, key in keyed if key is not None}
        if not present:
            continue
        for number, cells in sheet.rows:
            values: dict[str, tuple[str, Cell]] = {}
            for c, key in keyed:
                text = cells[c].strip() if c < len(cells) else ""
                if key is None or not text:
                    continue
                if key in SCRIPT_KEYS:
                    key = f"{key}_{script_of(text)}"
                label = f"column {column_letter(c)} ({sheet.header[c]})"
                values[key] = (text, Cell(sheet, number, label))
            row_cell = Cell(sheet, number, "")
            org_id = _organisation_of(values, by_name, row_cell, problems)
            if org_id is None:
                continue
            group = groups.get(org_id)
            if group is None:
                group = groups[org_id] = Group(org_id, indices.get(org_id), row_cell, present)
            _take_row(group, values, sheet, present, number, problems)
    return groups


def column_label(sheet: Sheet, present: Mapping[str, int], key: str) -> str:
    """Return `column D (Email)`, or `email (no such column)` for a field the sheet lacks."""
    if key in present:
        return f"column {column_letter(present[key])} ({sheet.header[present[key]]})"
    return f"{key} (no such column)"


def _names(registry: StakeholdersFile | None) -> dict[str, str]:
    """Return each name of each organisation, as compared, -> its id."""
    if registry is None:
        return {}
    return {
        _folded(text): o.id
        for o in registry.organisations
        for text in (o.name.en, o.name.ka, o.name.ru)
        if text
    }


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def _organisation_of(
    values: Mapping[str, tuple[str, Cell]],
    by_name: Mapping[str, str],
    row: Cell,
    problems: list[Problem],
) -> str | None:
    if "organisation_id" in values:
        return values["organisation_id"][0]
    names = [
        values[f"organisation_{lang}"][0] for lang in LANGUAGES if f"organisation_{lang}" in values
    ]
    for name in names:
        if _folded(name) in by_name:
            return by_name[_folded(name)]
    for name in names:
        if slug := slugify(name):
            return slug
    problems.append(
        SheetProblem(
            row.sheet.where,
            row.row,
            "organisation",
            MISSING,
            "an organisation id or name in each row (a column Organisation or Organisation ID)",
        )
    )
    return None


def _take_row(
    group: Group,
    values: Mapping[str, tuple[str, Cell]],
    sheet: Sheet,
    present: Mapping[str, int],
    number: int,
    problems: list[Problem],
) -> None:
    """Add a row's organisation fields and contact to its group; a value that differs is wrong."""
    for key, (text, cell) in values.items():
        where = ORGANISATION_PATHS.get(key)
        if where is None:
            continue
        value = read_cell(key, text)
        for path, item in _leaves(where, value):
            earlier = group.values.get(path)
            if earlier is None:
                group.values[path] = (item, cell)
                group.texts[path] = text
            elif earlier[0] != item:
                problems.append(
                    SheetProblem(
                        sheet.where,
                        number,
                        cell.column,
                        text,
                        f"{group.texts[path]!r} as on row {earlier[1].row} (an organisation "
                        "has one value of a field on all its rows)",
                    )
                )
                break
    contact = {key: read_cell(key, values[key][0]) for key in CONTACT_KEYS if key in values}
    cells = {key: values[key][1] for key in CONTACT_KEYS if key in values}
    if contact:
        group.contacts.append(Row(contact, cells, Cell(sheet, number, ""), present))


def _leaves(path: tuple[str, ...], value: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
    else:
        yield path, value


def cell_of(
    loc: tuple[str, ...], values: Mapping[tuple[str, ...], tuple[Any, Cell]]
) -> Cell | None:
    """Return the cell an organisation's error at `loc` belongs to, or None if no cell gave it.

    Working days and working hours fill the one mapping `working_hours`: an error
    inside the days is the days' cell, and one about the mapping (an end before its
    start) is the hours' cell, never the column that only fills a named part of it.
    """
    if not loc:
        return None
    inside = [(len(path), cell) for path, (_, cell) in values.items() if loc[: len(path)] == path]
    if inside:
        return max(inside, key=lambda found: found[0])[1]
    parts = [p for p in ORGANISATION_PATHS.values() if len(p) > len(loc) and p[: len(loc)] == loc]
    around = [
        cell
        for path, (_, cell) in values.items()
        if path[: len(loc)] == loc and not any(path[: len(part)] == part for part in parts)
    ]
    if around:
        return around[0]
    return next((cell for path, (_, cell) in values.items() if path[0] == loc[0]), None)
