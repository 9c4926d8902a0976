"""Writes an import's preview into stakeholders.yaml, keeping its comments, order and layout.

`plan_import` (registry_import) returns a `Preview`: what a write would add and change.
`apply_import` merges exactly that into the file, and writes it atomically, refusing a file
changed since the preview was made.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from consult.errors import Problem, WorkspaceError
from consult.workspace.problems import problems_from_validation
from consult.workspace.starter import registry_header, registry_text
from consult.workspace.yamlfile import path_of, read_yaml
from consult.workspace.yamlwrite import (
    append,
    append_text,
    block_style,
    dump_document,
    load_document,
    merge,
    plain_to_document,
    write_atomically,
)
from schemas.stakeholders import StakeholdersFile

STAKEHOLDERS = "stakeholders.yaml"


@dataclass(frozen=True)
class Change:
    """An organisation or contact the import changes, and which of its fields."""

    organisation: str
    contact: str | None
    """The contact's email, or None for the organisation's own fields."""
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Edit:
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
    edits: tuple[Edit, ...] = ()

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
    if not text.strip():
        text = registry_text(None)
    document = load_document(text)
    if document is None or not isinstance(document.get("organisations"), list):
        document = plain_to_document({"organisations": []})
    flow = block_style(document)
    organisations = document["organisations"]
    for edit in existing:
        target = organisations[edit.index]
        merge(target, edit.patch)
        for j, patch in edit.contacts.items():
            merge(target["contacts"][j], patch)
        for contact in edit.added:
            append(target["contacts"], contact)
    if added and organisations and not flow and list(document)[-1] == "organisations":
        # New organisations carry no comments: written as text after the file, they
        # spare ruamel.yaml (pure Python, a second per 300 of them) from emitting them.
        written = (dump_document(document, text) if existing else text).rstrip("\n") + "\n"
        written += append_text(added, like=text)
    else:
        for organisation in added:
            append(organisations, organisation)
        written = dump_document(document, text)
    written = registry_header(written) + written
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
