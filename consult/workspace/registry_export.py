"""Exports the registry as a spreadsheet (.xlsx or .csv) in the columns an import reads.

One row per contact, its organisation's fields repeated on each of its rows, the
headers in English as `consult.workspace.columns` names them. Importing the file
again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from consult.errors import Problem, WorkspaceError
from consult.workspace.cells import write_days, write_hours
from consult.workspace.columns import COLUMNS, LANGUAGES
from consult.workspace.sheets import write_csv, write_xlsx
from schemas.stakeholders import Contact, Organisation, StakeholdersFile

SHEET_TITLE = "Stakeholders"
FORMATS = ("xlsx", "csv")


def header() -> list[str]:
    """Return the exported columns' headers."""
    return [column.header for column in COLUMNS]


def rows(registry: StakeholdersFile) -> Iterator[list[str]]:
    """Yield one row of text cells per contact of the registry, in the registry's order."""
    for organisation in registry.organisations:
        own = _organisation_cells(organisation)
        for contact in organisation.contacts:
            cells = {**own, **_contact_cells(contact)}
            yield [cells.get(column.key, "") for column in COLUMNS]


def _organisation_cells(organisation: Organisation) -> dict[str, str]:
    hours = organisation.working_hours
    cells = {
        "organisation_id": organisation.id,
        "kind": organisation.kind,
        "country": organisation.country,
        "working_days": write_days(hours.days),
        "working_hours": write_hours(hours.start, hours.end),
        "organisation_busy_feed": str(organisation.busy_feed or ""),
        "influence": organisation.influence or "",
        "interest": organisation.interest or "",
        "stance": organisation.stance or "",
    }
    for language in LANGUAGES:
        cells[f"organisation_{language}"] = getattr(organisation.name, language) or ""
        label = organisation.kind_label
        cells[f"kind_label_{language}"] = (getattr(label, language) or "") if label else ""
    return cells


def _contact_cells(contact: Contact) -> dict[str, str]:
    return {
        "name": contact.name,
        "email": contact.email,
        "role": contact.role,
        "language": contact.language,
        "timezone": contact.timezone,
        "busy_feed": str(contact.busy_feed or ""),
        "location": getattr(contact, "location", None) or "",
    }


def export_registry(registry: StakeholdersFile, target: Path, format: str | None = None) -> int:
    """Write the registry to `target` as .xlsx or .csv (by `format` or the suffix); return rows."""
    target = Path(target)
    kind = (format or target.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise WorkspaceError(
            [Problem(str(target), None, "", kind or None, "a format of xlsx or csv")]
        )
    if not target.parent.is_dir():
        raise WorkspaceError([Problem(str(target.parent), None, "", None, "is not a folder")])
    table = list(rows(registry))
    if kind == "csv":
        write_csv(target, header(), table)
    else:
        write_xlsx(target, SHEET_TITLE, header(), table)
    return len(table)
