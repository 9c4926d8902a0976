"""Edits one organisation or contact of stakeholders.yaml: the CLI's and the desk's one way in.

An edit is a one-row import: the same fields as a spreadsheet's columns, the same
checks, the same comment-keeping atomic write. It returns the audit entry the caller
records, so the registry file and the audit log tell the same story.

A form carries the `version` of the entry it shows (a digest of its fields' values);
`current_version` reads it from the file now, so an edit made on an entry that changed
since its form was opened can be refused rather than saved over the change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult.errors import Problem, SheetError, WorkspaceError
from consult.workspace.columns import COLUMNS
from consult.workspace.registry_export import rows
from consult.workspace.registry_import import STAKEHOLDERS, Preview, apply_import, plan_import
from consult.workspace.sheets import Sheet
from consult.workspace.yamlfile import read_yaml
from schemas.stakeholders import StakeholdersFile

ORGANISATION_FIELDS = tuple(c.key for c in COLUMNS if c.organisation and c.key != "organisation_id")
CONTACT_FIELDS = tuple(c.key for c in COLUMNS if not c.organisation and c.key != "email")


@dataclass(frozen=True)
class AuditEntry:
    """What the audit log records of an edit: `store.audit(actor, action, subject, detail)`."""

    action: str
    subject: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Tell whether the edit changed the file."""
        return bool(self.detail.get("fields"))


def entry_fields(
    registry: StakeholdersFile, org_id: str, email: str | None = None
) -> dict[str, str] | None:
    """Return the cells of an organisation's (first) or a contact's row, by column key; or None."""
    keys = [column.key for column in COLUMNS]
    for row in rows(registry):
        cells = dict(zip(keys, row, strict=True))
        if cells["organisation_id"] == org_id and (
            email is None or cells["email"].casefold() == email.casefold()
        ):
            return cells
    return None


def version(values: Mapping[str, str]) -> str:
    """Return the version of an entry's values: the SHA-256 of them, keys sorted."""
    text = json.dumps(dict(values), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_version(workspace: Path, org_id: str, email: str | None = None) -> str | None:
    """Return the version of the entry as stakeholders.yaml holds it now; None if it cannot tell.

    The version covers the fields an edit of the entry sets (its form's), so a change
    elsewhere in the file, a contact's or another organisation's, leaves it as it was.
    """
    data, _, found = read_yaml(Path(workspace) / STAKEHOLDERS, STAKEHOLDERS)
    try:
        cells = (
            None if found else entry_fields(StakeholdersFile.model_validate(data), org_id, email)
        )
    except ValueError:
        return None
    if cells is None:
        return None
    return version({key: cells[key] for key in (CONTACT_FIELDS if email else ORGANISATION_FIELDS)})


def update_organisation(
    workspace: Path, org_id: str, changes: Mapping[str, str], *, check_only: bool = False
) -> AuditEntry:
    """Set an organisation's fields (the columns of a sheet: `country`, `influence`, ...).

    Raises a WorkspaceError naming each field whose value is wrong, or an unknown field
    or organisation; nothing is written then. `check_only` checks and writes nothing:
    the entry names what the edit would change.
    """
    _known(workspace, org_id, None)
    fields = _edit(workspace, org_id, None, changes, ORGANISATION_FIELDS, check_only)
    return AuditEntry(
        "registry.organisation.updated", f"stakeholders/{org_id}", _detail(fields, changes)
    )


def update_contact(
    workspace: Path,
    org_id: str,
    contact_email: str,
    changes: Mapping[str, str],
    *,
    check_only: bool = False,
) -> AuditEntry:
    """Set a contact's fields (`role`, `language`, `timezone`, ...); the email names the contact."""
    email = _known(workspace, org_id, contact_email)
    fields = _edit(workspace, org_id, email, changes, CONTACT_FIELDS, check_only)
    return AuditEntry(
        "registry.contact.updated", f"stakeholders/{org_id}/{email}", _detail(fields, changes)
    )


def _detail(fields: list[str], changes: Mapping[str, str]) -> dict[str, Any]:
    return {"fields": fields, "values": dict(changes)}


def _known(workspace: Path, org_id: str, email: str | None) -> str | None:
    """Return the contact's email as the registry writes it; raise if org or contact is unknown."""
    data, _, found = read_yaml(Path(workspace) / STAKEHOLDERS, STAKEHOLDERS)
    if found:
        raise WorkspaceError(found)
    organisations = [o for o in data.get("organisations") or [] if isinstance(o, dict)]
    ids = sorted(str(o.get("id")) for o in organisations)
    match = next((o for o in organisations if o.get("id") == org_id), None)
    if match is None:
        raise WorkspaceError(
            [Problem(STAKEHOLDERS, None, "", org_id, f"an organisation id ({', '.join(ids)})")]
        )
    if email is None:
        return None
    emails = [str(c.get("email")) for c in match.get("contacts") or [] if isinstance(c, dict)]
    for known in emails:
        if known.casefold() == email.casefold():
            return known
    raise WorkspaceError(
        [
            Problem(
                STAKEHOLDERS,
                None,
                org_id,
                email,
                f"the email of one of its contacts ({', '.join(emails)})",
            )
        ]
    )


def _edit(
    workspace: Path,
    org_id: str,
    email: str | None,
    changes: Mapping[str, str],
    allowed: tuple[str, ...],
    check_only: bool,
) -> list[str]:
    """Return the fields the edit changes, written unless `check_only`; raise naming every error.

    An unknown or emptied field is left out of the import's checks, not in place of
    them, so the answer names it together with every other mistake of the edit.
    """
    where = _where(org_id, email)
    problems = _unfit(where, changes, allowed)
    kept = {key: value for key, value in changes.items() if key in allowed and value.strip()}
    preview, found = _import_row(workspace, org_id, email, kept)
    days, hours = f"{where}.working_days", f"{where}.working_hours"
    if "working_hours" in kept and any(p.path == days for p in found):
        # Wrong days stop the check of the hours, which share their mapping: check them alone.
        alone = {key: value for key, value in kept.items() if key != "working_days"}
        found += [p for p in _import_row(workspace, org_id, email, alone)[1] if p.path == hours]
    problems += found
    if problems or preview is None:
        raise WorkspaceError(problems)
    if not check_only:
        apply_import(workspace, preview)
    return [name for change in preview.changed for name in change.fields]


def _unfit(where: str, changes: Mapping[str, str], allowed: tuple[str, ...]) -> list[Problem]:
    """Return a problem per field the edit does not know, and per field it would empty."""
    unknown = [
        Problem(
            STAKEHOLDERS, None, f"{where}.{key}", key, f"a field to edit ({', '.join(allowed)})"
        )
        for key in changes
        if key not in allowed
    ]
    emptied = [
        Problem(
            STAKEHOLDERS, None, f"{where}.{key}", value, "a value (an edit cannot empty a field)"
        )
        for key, value in changes.items()
        if key in allowed and not value.strip()
    ]
    return unknown + emptied


def _where(org_id: str, email: str | None) -> str:
    """Return the start of a problem's path: `mia`, or `mia.nino@mia.example.gov.ge`."""
    return f"{org_id}.{email}" if email else org_id


def _import_row(
    workspace: Path, org_id: str, email: str | None, changes: Mapping[str, str]
) -> tuple[Preview | None, list[Problem]]:
    """Return the import of a one-row sheet of the changes, or None and its problems by field."""
    keys = ["organisation_id", *(["email"] if email else []), *changes]
    values = [org_id, *([email] if email else []), *changes.values()]
    sheet = Sheet("edit", None, tuple(keys), ((2, tuple(values)),))
    try:
        return plan_import(workspace, [sheet], {key: key for key in keys}), []
    except SheetError as error:
        where = _where(org_id, email)
        return None, [
            Problem(STAKEHOLDERS, None, f"{where}.{_field_of(p.path)}", p.value, p.expected)
            for p in error.problems
        ]


def _field_of(column: str) -> str:
    """Return the field a one-row sheet's column label names.

    `column B (country)` is country, and so is `country (no such column)`: the label of
    a field the edit did not give, such as the label that kind `other` requires.
    """
    found = re.fullmatch(r"column [A-Z]+ \((.*)\)", column)
    return found.group(1) if found else column.split(" ")[0]
