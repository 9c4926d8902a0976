"""Plans the import of a spreadsheet of contacts into stakeholders.yaml: checked, previewed.

`plan_import` reads the rows of the sheets through a column mapping (registry_rows),
checks each organisation they give against the registry's models (every problem names
sheet, row and column), and returns a `Preview`: the organisations and contacts a write
would add or change. `apply_import` (registry_write) merges exactly that into
stakeholders.yaml, keeping its comments, order and layout, and writes it atomically.

An empty cell leaves the registry's value as it is: an import adds and changes, it never
removes.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from consult.errors import Problem, SheetError, SheetProblem, WorkspaceError
from consult.workspace.problems import Hints, invalid_fields, problems_from_validation
from consult.workspace.registry_rows import Cell, Group, Row, cell_of, column_label, group_rows
from consult.workspace.registry_write import STAKEHOLDERS, Change, Edit, Preview, apply_import
from consult.workspace.sheets import Sheet
from consult.workspace.slugs import slugify
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas.stakeholders import Contact, Organisation, StakeholdersFile

__all__ = ["STAKEHOLDERS", "Change", "Preview", "apply_import", "plan_import", "slugify"]


def plan_import(root: Path, sheets: Sequence[Sheet], columns: Mapping[str, str]) -> Preview:
    """Return what importing `sheets` (read through `columns`, header -> field) would change.

    Raises a SheetError naming every broken row by sheet, row and column, or a
    WorkspaceError when stakeholders.yaml itself does not load.
    """
    path = Path(root) / STAKEHOLDERS
    raw, registry, digest = _read_registry(path)
    source = ", ".join(dict.fromkeys(sheet.file for sheet in sheets)) or "the spreadsheet"
    problems: list[Problem] = []
    groups = group_rows(sheets, columns, raw, registry, problems)
    edits: list[Edit] = []
    added_orgs: list[str] = []
    added_contacts: list[tuple[str, str]] = []
    changed: list[Change] = []
    unchanged_orgs = unchanged_contacts = 0
    owners = {
        c.email.casefold(): o.id
        for o in (registry.organisations if registry else ())
        for c in o.contacts
    }
    for group in groups.values():
        outcome = _plan_group(group, raw, registry, owners, problems)
        if outcome is None:
            continue
        edit, group_changes, same_contacts = outcome
        new = edit.added if group.index is not None else edit.patch["contacts"]
        added_contacts += [(group.id, c["email"]) for c in new]
        changed += group_changes
        unchanged_contacts += same_contacts
        if group.index is None:
            added_orgs.append(group.id)
        elif not any(c.contact is None for c in group_changes):
            unchanged_orgs += 1
        if edit.patch or edit.contacts or edit.added:
            edits.append(edit)
    if problems:
        raise SheetError(source, problems)
    touched = {g.index for g in groups.values() if g.index is not None}
    if registry is not None:
        unchanged_orgs += sum(1 for i in range(len(registry.organisations)) if i not in touched)
        unchanged_contacts += sum(
            len(o.contacts) for i, o in enumerate(registry.organisations) if i not in touched
        )
    return Preview(
        source,
        tuple(added_orgs),
        tuple(added_contacts),
        tuple(changed),
        unchanged_orgs,
        unchanged_contacts,
        digest,
        tuple(edits),
    )


def _read_registry(path: Path) -> tuple[dict[str, Any], StakeholdersFile | None, str]:
    if not path.exists():
        return {"organisations": []}, None, ""
    data, lines, found = read_yaml(path, STAKEHOLDERS)
    if found:
        raise WorkspaceError(found)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if isinstance(data, dict) and not data.get("organisations"):
        # A new registry (`consult init`'s): the import brings its first organisations.
        _, problems = _validated({**data, "organisations": None}, lines, skip=("organisations",))
        if problems:
            raise WorkspaceError(problems)
        return {**data, "organisations": []}, None, digest
    registry, problems = _validated(data, lines)
    if registry is None:
        raise WorkspaceError(problems)
    return data, registry, digest


def _validated(
    data: object, lines: Lines, skip: tuple[str, ...] = ()
) -> tuple[StakeholdersFile | None, list[Problem]]:
    """Return the registry's model, or what is wrong with it (the fields in `skip` left out)."""
    try:
        return StakeholdersFile.model_validate(data), []
    except ValidationError as error:
        found = problems_from_validation(
            error, StakeholdersFile, STAKEHOLDERS, lambda loc: (lines.of(loc), path_of(loc))
        )
        return None, [problem for problem in found if problem.path not in skip]


@dataclass
class _Contacts:
    """A group's contacts merged into the registry's: the list, and what the rows did to it."""

    merged: list[dict[str, Any]]
    rows: dict[int, Row] = field(default_factory=dict)
    """Index in `merged` -> the row that gave the contact."""
    edits: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Index in `merged` of a contact the registry has -> what its row sets."""
    added: list[dict[str, Any]] = field(default_factory=list)


def _plan_group(
    group: Group,
    raw: dict[str, Any],
    registry: StakeholdersFile | None,
    owners: dict[str, str],
    problems: list[Problem],
) -> tuple[Edit, list[Change], int] | None:
    """Return a group's edit and changes, or None (its problems added) when its rows are wrong."""
    existing_raw: dict[str, Any] = (
        copy.deepcopy(raw["organisations"][group.index]) if group.index is not None else {}
    )
    before = registry.organisations[group.index] if registry and group.index is not None else None
    patch: dict[str, Any] = {} if group.index is not None else {"id": group.id}
    for path, (value, _) in group.values.items():
        _set(patch, path, value)
    merged = _merged(existing_raw, patch)
    contacts = _merge_contacts(group, list(merged.get("contacts") or []), owners, problems)
    merged["contacts"] = contacts.merged
    merged = {key: merged[key] for key in _order(Organisation, merged)}
    try:
        after = Organisation.model_validate(merged)
    except ValidationError as error:
        for invalid in invalid_fields(error, Organisation, _HINTS):
            cell = _cell_at(invalid.loc, group, contacts.rows)
            problems.append(
                SheetProblem(
                    cell.sheet.where, cell.row, cell.column, invalid.value, invalid.expected
                )
            )
        return None
    changes, document_patch, kept_edits, same = _changes(group.id, before, after, patch, contacts)
    ordered = [{key: c[key] for key in _order(Contact, c)} for c in contacts.added]
    if group.index is None:
        merged_new = dict(merged)
        merged_new["contacts"] = ordered
        return Edit(None, merged_new), changes, same
    return Edit(group.index, document_patch, kept_edits, ordered), changes, same


def _merge_contacts(
    group: Group,
    contacts: list[dict[str, Any]],
    owners: dict[str, str],
    problems: list[Problem],
) -> _Contacts:
    """Return the group's rows merged into its registry contacts, found by email.

    A row whose email is on an earlier row, or is another organisation's contact's,
    is a problem and merges nothing.
    """
    by_email = {
        str(c.get("email", "")).casefold(): j for j, c in enumerate(contacts) if isinstance(c, dict)
    }
    result = _Contacts(contacts)
    seen: dict[str, int] = {}
    for row in group.contacts:
        contact = row.contact
        email = str(contact.get("email", "")).casefold()
        if email and email in seen:
            expected = f"one row per contact (this email is on row {seen[email]} too)"
        elif email and owners.get(email, group.id) != group.id:
            expected = (
                f"an email no other organisation's contact has (it is a contact of {owners[email]})"
            )
        else:
            expected = ""
        if expected:
            column = row.cells["email"].column
            problems.append(
                SheetProblem(row.at.sheet.where, row.at.row, column, contact["email"], expected)
            )
            continue
        owners.setdefault(email, group.id)
        seen[email] = row.at.row
        if email and email in by_email:
            j = by_email[email]
            contacts[j] = _merged(contacts[j], contact)
            result.edits[j] = contact
        else:
            j = len(contacts)
            contacts.append(dict(contact))
            result.added.append(contact)
        result.rows[j] = row
    return result


def _cell_at(loc: Loc, group: Group, rows: Mapping[int, Row]) -> Cell:
    """Return the cell an error of the group's organisation at `loc` belongs to.

    A contact's field is its row's cell (the row's email cell for the contact as a whole);
    an organisation's field is the cell that gave it, or the group's first row.
    """
    if len(loc) >= 2 and loc[0] == "contacts" and isinstance(loc[1], int) and loc[1] in rows:
        row = rows[loc[1]]
        key = str(loc[2]) if len(loc) > 2 else "email"
        cell = row.cells.get(key)
        column = cell.column if cell else column_label(row.at.sheet, row.present, key)
        return Cell(row.at.sheet, row.at.row, column)
    found = cell_of(tuple(str(part) for part in loc), group.values)
    if found is not None:
        return found
    column = column_label(group.first.sheet, group.present, _column_key(loc))
    return Cell(group.first.sheet, group.first.row, column)


def _changes(
    organisation: str,
    before: Organisation | None,
    after: Organisation,
    patch: Mapping[str, Any],
    contacts: _Contacts,
) -> tuple[list[Change], dict[str, Any], dict[int, dict[str, Any]], int]:
    """Return what the import changes in an organisation the registry has, field by field.

    That is: the changes, the patch of its own fields and of each contact changed, and
    how many of its contacts stay the same. A new organisation has none of these.
    """
    changes: list[Change] = []
    document_patch: dict[str, Any] = {}
    if before is not None:
        fields = [
            name
            for name in Organisation.model_fields
            if name != "contacts" and getattr(before, name) != getattr(after, name)
        ]
        document_patch = {name: patch[name] for name in fields if name in patch}
        if fields:
            changes.append(Change(organisation, None, tuple(fields)))
    same = 0
    kept_edits: dict[int, dict[str, Any]] = {}
    for j, contact in contacts.edits.items():
        old = before.contacts[j] if before is not None else None
        new = after.contacts[j]
        fields = [
            n
            for n in Contact.model_fields
            if old is not None and getattr(old, n) != getattr(new, n)
        ]
        if fields:
            kept_edits[j] = {name: contact[name] for name in fields if name in contact}
            changes.append(Change(organisation, new.email, tuple(fields)))
        else:
            same += 1
    if before is not None:
        same += len(before.contacts) - len(contacts.edits)
    return changes, document_patch, kept_edits, same


def _column_key(loc: Loc) -> str:
    """Return the column key of an organisation's field: `name.en` is `organisation_en`."""
    name = str(loc[0]) if loc else "organisation_id"
    if name in ("name", "kind_label"):
        language = str(loc[1]) if len(loc) > 1 else "en"
        return f"{'organisation' if name == 'name' else name}_{language}"
    return {"busy_feed": "organisation_busy_feed", "id": "organisation_id"}.get(name, name)


_HINTS = Hints(expected={("en", "missing"): "the text in English too (the fallback language)"})


def _order(model: type[BaseModel], data: Mapping[str, Any]) -> list[str]:
    """Return the keys of `data` in the order of the model's fields, unknown keys last."""
    known = [name for name in model.model_fields if name in data]
    return known + [key for key in data if key not in known]


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _merged(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Return `base` with `patch` set into it, mapping into mapping."""
    result = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result
