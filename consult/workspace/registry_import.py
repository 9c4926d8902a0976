"""Imports a spreadsheet of contacts into stakeholders.yaml: checked by row, previewed, merged.

`plan_import` reads the rows of the sheets through a column mapping, checks every row
against the registry's models (every problem names sheet, row and column), and returns
a `Preview`: the organisations and contacts a write would add or change. `apply_import`
merges exactly that into stakeholders.yaml, keeping its comments, order and layout,
and writes it atomically.

A row is one contact; its organisation is found by id, else by any of its names, else
added (its id made from its English name). An empty cell leaves the registry's value as
it is: an import adds and changes, it never removes.
"""

# ruff: noqa: RUF001 (Russian letters in the transliteration table look Latin)
from __future__ import annotations

import copy
import hashlib
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from consult.errors import MISSING, Problem, SheetError, SheetProblem, WorkspaceError
from consult.workspace.cells import read_cell, script_of
from consult.workspace.columns import LANGUAGES, SCRIPT_KEYS
from consult.workspace.problems import Hints, problems_from_validation
from consult.workspace.sheets import Sheet, column_letter
from consult.workspace.yamlfile import Loc, path_of, read_yaml
from consult.workspace.yamlwrite import (
    append,
    append_text,
    dump_document,
    load_document,
    merge,
    plain_to_document,
    write_atomically,
)
from schemas.stakeholders import Contact, Organisation, StakeholdersFile

STAKEHOLDERS = "stakeholders.yaml"

_ORGANISATION_PATHS: dict[str, tuple[str, ...]] = {
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
_CONTACT_KEYS = ("name", "email", "role", "language", "timezone", "busy_feed", "location")


@dataclass(frozen=True)
class Change:
    """An organisation or contact the import changes, and which of its fields."""

    organisation: str
    contact: str | None
    """The contact's email, or None for the organisation's own fields."""
    fields: tuple[str, ...]


@dataclass(frozen=True)
class _Edit:
    """What a write does to one organisation: its own fields, its contacts' and new ones."""

    index: int | None
    """Its place in the registry's list; None for an organisation the import adds."""
    patch: dict[str, Any]
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """What importing a spreadsheet would change in the registry; `apply_import` writes it."""

    source: str
    added_organisations: tuple[str, ...]
    added_contacts: tuple[tuple[str, str], ...]
    """(organisation id, email) of each contact added, new organisations' included."""
    changed: tuple[Change, ...]
    unchanged_organisations: int
    unchanged_contacts: int
    digest: str
    """The SHA-256 of stakeholders.yaml as it was read: a write refuses a file changed since."""
    edits: tuple[_Edit, ...] = ()

    @property
    def empty(self) -> bool:
        """Tell whether the import changes nothing."""
        return not (self.added_organisations or self.added_contacts or self.changed)

    def summary(self) -> str:
        """Return one line: how many organisations and contacts are added, changed, unchanged."""
        changed_orgs = len({c.organisation for c in self.changed if c.contact is None})
        changed_contacts = sum(1 for c in self.changed if c.contact is not None)
        return (
            f"{self.source}: organisations {len(self.added_organisations)} added, "
            f"{changed_orgs} changed, {self.unchanged_organisations} unchanged; "
            f"contacts {len(self.added_contacts)} added, {changed_contacts} changed, "
            f"{self.unchanged_contacts} unchanged"
        )

    def details(self) -> list[str]:
        """Return a line per organisation or contact added or changed."""
        lines = [f"+ organisation {org}" for org in self.added_organisations]
        lines += [f"+ contact {email} ({org})" for org, email in self.added_contacts]
        for change in self.changed:
            what = (
                f"contact {change.contact} ({change.organisation})"
                if change.contact
                else f"organisation {change.organisation}"
            )
            lines.append(f"~ {what}: {', '.join(change.fields)}")
        return lines


@dataclass
class _Cell:
    sheet: Sheet
    row: int
    column: str
    """`column D (Email)`, or `kind (no column)` for a field the sheet lacks."""


@dataclass
class _Group:
    """The rows of one organisation: what they set, and where each value came from."""

    id: str
    index: int | None
    first: _Cell
    present: Mapping[str, int]
    """Field -> column index, in the sheet of the group's first row."""
    values: dict[tuple[str, ...], tuple[Any, _Cell]] = field(default_factory=dict)
    texts: dict[tuple[str, ...], str] = field(default_factory=dict)
    """The cell text each value of `values` was read from."""
    contacts: list[_Row] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    """A contact as a row gives it, and the cells each of its fields came from."""

    contact: dict[str, Any]
    cells: dict[str, _Cell]
    at: _Cell
    present: Mapping[str, int]


def plan_import(root: Path, sheets: Sequence[Sheet], columns: Mapping[str, str]) -> Preview:
    """Return what importing `sheets` (read through `columns`, header -> field) would change.

    Raises a SheetError naming every broken row by sheet, row and column, or a
    WorkspaceError when stakeholders.yaml itself does not load.
    """
    path = Path(root) / STAKEHOLDERS
    raw, registry, digest = _read_registry(path)
    source = ", ".join(dict.fromkeys(sheet.file for sheet in sheets)) or "the spreadsheet"
    problems: list[Problem] = []
    groups = _group_rows(sheets, columns, raw, registry, problems)
    edits: list[_Edit] = []
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
    try:
        registry = StakeholdersFile.model_validate(data)
    except ValidationError as error:
        raise WorkspaceError(
            problems_from_validation(
                error, StakeholdersFile, STAKEHOLDERS, lambda loc: (lines.of(loc), path_of(loc))
            )
        ) from None
    return data, registry, hashlib.sha256(path.read_bytes()).hexdigest()


def _group_rows(
    sheets: Sequence[Sheet],
    columns: Mapping[str, str],
    raw: dict[str, Any],
    registry: StakeholdersFile | None,
    problems: list[Problem],
) -> dict[str, _Group]:
    """Return the sheets' rows grouped by organisation, in the order they first appear."""
    by_name = _names(registry)
    indices = {o.id: i for i, o in enumerate(registry.organisations)} if registry else {}
    groups: dict[str, _Group] = {}
    for sheet in sheets:
        keyed = [(c, columns.get(h)) for c, h in enumerate(sheet.header)]
        present = {key: c for c, key in keyed if key is not None}
        if not present:
            continue
        for number, cells in sheet.rows:
            values: dict[str, tuple[str, _Cell]] = {}
            for c, key in keyed:
                text = cells[c].strip() if c < len(cells) else ""
                if key is None or not text:
                    continue
                if key in SCRIPT_KEYS:
                    key = f"{key}_{script_of(text)}"
                label = f"column {column_letter(c)} ({sheet.header[c]})"
                values[key] = (text, _Cell(sheet, number, label))
            row_cell = _Cell(sheet, number, "")
            org_id = _organisation_of(values, by_name, row_cell, problems)
            if org_id is None:
                continue
            group = groups.get(org_id)
            if group is None:
                group = groups[org_id] = _Group(org_id, indices.get(org_id), row_cell, present)
            _take_row(group, values, sheet, present, number, problems)
    return groups


def _label(sheet: Sheet, present: Mapping[str, int], key: str) -> str:
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
    values: Mapping[str, tuple[str, _Cell]],
    by_name: Mapping[str, str],
    row: _Cell,
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
    group: _Group,
    values: Mapping[str, tuple[str, _Cell]],
    sheet: Sheet,
    present: Mapping[str, int],
    number: int,
    problems: list[Problem],
) -> None:
    """Add a row's organisation fields and contact to its group; a value that differs is wrong."""
    for key, (text, cell) in values.items():
        where = _ORGANISATION_PATHS.get(key)
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
    contact = {key: read_cell(key, values[key][0]) for key in _CONTACT_KEYS if key in values}
    cells = {key: values[key][1] for key in _CONTACT_KEYS if key in values}
    if contact:
        group.contacts.append(_Row(contact, cells, _Cell(sheet, number, ""), present))


def _leaves(path: tuple[str, ...], value: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
    else:
        yield path, value


def _cell_of(
    loc: tuple[str, ...], values: Mapping[tuple[str, ...], tuple[Any, _Cell]]
) -> _Cell | None:
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
    parts = [p for p in _ORGANISATION_PATHS.values() if len(p) > len(loc) and p[: len(loc)] == loc]
    around = [
        cell
        for path, (_, cell) in values.items()
        if path[: len(loc)] == loc and not any(path[: len(part)] == part for part in parts)
    ]
    if around:
        return around[0]
    return next((cell for path, (_, cell) in values.items() if path[0] == loc[0]), None)


def _plan_group(
    group: _Group,
    raw: dict[str, Any],
    registry: StakeholdersFile | None,
    owners: dict[str, str],
    problems: list[Problem],
) -> tuple[_Edit, list[Change], int] | None:
    """Return a group's edit and changes, or None (its problems added) when its rows are wrong."""
    existing_raw: dict[str, Any] = (
        copy.deepcopy(raw["organisations"][group.index]) if group.index is not None else {}
    )
    before = registry.organisations[group.index] if registry and group.index is not None else None
    patch: dict[str, Any] = {} if group.index is not None else {"id": group.id}
    for path, (value, _) in group.values.items():
        _set(patch, path, value)
    merged = _merged(existing_raw, patch)
    contacts = list(merged.get("contacts") or [])
    by_email = {
        str(c.get("email", "")).casefold(): j for j, c in enumerate(contacts) if isinstance(c, dict)
    }
    rows: dict[int, _Row] = {}
    seen: dict[str, int] = {}
    contact_edits: dict[int, dict[str, Any]] = {}
    added: list[dict[str, Any]] = []
    for row in group.contacts:
        contact = row.contact
        email = str(contact.get("email", "")).casefold()
        if email and email in seen:
            problems.append(
                SheetProblem(
                    row.at.sheet.where,
                    row.at.row,
                    row.cells["email"].column,
                    contact["email"],
                    f"one row per contact (this email is on row {seen[email]} too)",
                )
            )
            continue
        if email and owners.get(email, group.id) != group.id:
            problems.append(
                SheetProblem(
                    row.at.sheet.where,
                    row.at.row,
                    row.cells["email"].column,
                    contact["email"],
                    "an email no other organisation's contact has "
                    f"(it is a contact of {owners[email]})",
                )
            )
            continue
        owners.setdefault(email, group.id)
        seen[email] = row.at.row
        if email and email in by_email:
            j = by_email[email]
            contacts[j] = _merged(contacts[j], contact)
            contact_edits[j] = contact
        else:
            j = len(contacts)
            contacts.append(dict(contact))
            added.append(contact)
        rows[j] = row
    merged["contacts"] = contacts
    merged = {key: merged[key] for key in _order(Organisation, merged)}

    def locate(loc: Loc) -> tuple[int | None, str]:
        if len(loc) >= 2 and loc[0] == "contacts" and isinstance(loc[1], int) and loc[1] in rows:
            row = rows[loc[1]]
            key = str(loc[2]) if len(loc) > 2 else "email"
            cell = row.cells.get(key)
            column = cell.column if cell else _label(row.at.sheet, row.present, key)
            return row.at.row, f"{row.at.sheet.where}\x00{column}"
        cell = _cell_of(tuple(str(part) for part in loc), group.values)
        if cell is not None:
            return cell.row, f"{cell.sheet.where}\x00{cell.column}"
        key = _column_key(loc)
        column = _label(group.first.sheet, group.present, key)
        return group.first.row, f"{group.first.sheet.where}\x00{column}"

    try:
        after = Organisation.model_validate(merged)
    except ValidationError as error:
        for problem in problems_from_validation(error, Organisation, "", locate, _HINTS):
            where, _, column = problem.path.partition("\x00")
            problems.append(
                SheetProblem(where, problem.line, column, problem.value, problem.expected)
            )
        return None
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
            changes.append(Change(group.id, None, tuple(fields)))
    same = 0
    kept_edits: dict[int, dict[str, Any]] = {}
    for j, contact in contact_edits.items():
        old = before.contacts[j] if before is not None else None
        new = after.contacts[j]
        fields = [
            n
            for n in Contact.model_fields
            if old is not None and getattr(old, n) != getattr(new, n)
        ]
        if fields:
            kept_edits[j] = {name: contact[name] for name in fields if name in contact}
            changes.append(Change(group.id, new.email, tuple(fields)))
        else:
            same += 1
    if before is not None:
        same += len(before.contacts) - len(contact_edits)
    ordered = [{key: c[key] for key in _order(Contact, c)} for c in added]
    if group.index is None:
        merged_new = dict(merged)
        merged_new["contacts"] = ordered
        return _Edit(None, merged_new), changes, same
    return _Edit(group.index, document_patch, kept_edits, ordered), changes, same


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


_GEORGIAN = "ა ბ გ დ ე ვ ზ თ ი კ ლ მ ნ ო პ ჟ რ ს ტ უ ფ ქ ღ ყ შ ჩ ც ძ წ ჭ ხ ჯ ჰ"
_GEORGIAN_LATIN = "a b g d e v z t i k l m n o p zh r s t u p k gh q sh ch ts dz ts ch kh j h"
_RUSSIAN = "а б в г д е ё ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ы ь э ю я"
_RUSSIAN_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
_TRANSLITERATION = str.maketrans(
    {
        letter: "" if latin == "-" else latin
        for letters, latins in ((_GEORGIAN, _GEORGIAN_LATIN), (_RUSSIAN, _RUSSIAN_LATIN))
        for letter, latin in zip(letters.split(), latins.split(), strict=True)
    }
)
"""Georgian (national system) and Russian letters in Latin ones, for an id made of a name."""


def slugify(text: str) -> str:
    """Return an id made of a name: `Public Defender's Office` is `public-defenders-office`."""
    latin = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLITERATION))
    ascii_text = latin.encode("ascii", "ignore").decode().replace("'", "")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return words[:64].rstrip("-")


def apply_import(root: Path, preview: Preview) -> bool:
    """Write the preview's changes into stakeholders.yaml; return whether the file changed.

    Comments, key order and layout stay as they were, except where a value changes.
    """
    path = Path(root) / STAKEHOLDERS
    if preview.empty:
        return False
    raw = path.read_bytes() if path.exists() else b""
    if (hashlib.sha256(raw).hexdigest() if raw else "") != preview.digest:
        raise WorkspaceError(
            [Problem(STAKEHOLDERS, None, "", None, "changed since the preview; import again")]
        )
    text = raw.decode("utf-8-sig")
    existing = [edit for edit in preview.edits if edit.index is not None]
    added = [edit.patch for edit in preview.edits if edit.index is None]
    document = load_document(text) if text.strip() else None
    if document is None or not isinstance(document.get("organisations"), list):
        document = plain_to_document({"organisations": []})
    organisations = document["organisations"]
    for edit in existing:
        target = organisations[edit.index]
        merge(target, edit.patch)
        for j, patch in edit.contacts.items():
            merge(target["contacts"][j], patch)
        for contact in edit.added:
            append(target["contacts"], contact)
    if added and organisations and list(document)[-1] == "organisations":
        # New organisations carry no comments: written as text after the file, they
        # spare ruamel.yaml (pure Python, a second per 300 of them) from emitting them.
        written = (dump_document(document, text) if existing else text).rstrip("\n") + "\n"
        written += append_text(added, like=text)
    else:
        for organisation in added:
            append(organisations, organisation)
        written = dump_document(document, text)
    _check_written(path, written)
    write_atomically(path, written)
    return True


def _check_written(path: Path, text: str) -> None:
    """Raise if the text to write would not load: the import's own checks missed something."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / path.name
        probe.write_text(text, encoding="utf-8")
        data, lines, found = read_yaml(probe, STAKEHOLDERS)
    if found:
        raise WorkspaceError(found)
    try:
        StakeholdersFile.model_validate(data)
    except ValidationError as error:
        raise WorkspaceError(
            problems_from_validation(
                error, StakeholdersFile, STAKEHOLDERS, lambda loc: (lines.of(loc), path_of(loc))
            )
        ) from None
