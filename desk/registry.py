"""The stakeholder registry in the desk: its organisations and contacts, and a form to edit each.

A form holds the fields a spreadsheet's columns hold (`consult.workspace.columns`),
filled with the registry's current values. Only the fields whose value was changed
go to `consult.application.registry.edit_stakeholder`, the one way in that
`consult edit-stakeholder` takes too: the same checks, the same comment-keeping
atomic write of stakeholders.yaml, and the same audit entry, recorded under the
name typed in the form. A form with a mistake comes back with every value as
typed and each error beside its field; nothing of it is written until it is all
valid. A form carries the version of the entry it showed: if the entry changed
since, the edit is refused (409) with what changed and by whom, never saved over.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from consult.application.registry import Entry, change_email, edit_stakeholder
from consult.errors import Problem, StaleEdit, WorkspaceError
from consult.store import Store
from consult.workspace.columns import BY_KEY
from consult.workspace.loading import Workspace
from consult.workspace.registry_edit import (
    CONTACT_FIELDS,
    ORGANISATION_FIELDS,
    entry_fields,
    version,
)
from desk.wording import words
from schemas.stakeholders import Level, OrganisationKind, Stance
from schemas.types import Language

CHOICES: Mapping[str, tuple[str, ...]] = {
    "kind": get_args(OrganisationKind),
    "influence": get_args(Level),
    "interest": get_args(Level),
    "stance": get_args(Stance),
    "language": get_args(Language),
}
"""The fields offered as drop-downs, and their values."""
HINTS: Mapping[str, str] = {
    "country": "ISO 3166 code, e.g. GE",
    "working_days": "e.g. mon-fri",
    "working_hours": "e.g. 09:00-18:00",
    "timezone": "IANA zone, e.g. Asia/Tbilisi",
    "kind_label_en": "only for kind other",
}


@dataclass(frozen=True)
class ContactRow:
    """A contact in the registry's list."""

    name: str
    email: str
    role: str
    language: str


@dataclass(frozen=True)
class OrganisationRow:
    """An organisation in the registry's list, with its contacts."""

    id: str
    name: str
    kind: str
    country: str
    contacts: tuple[ContactRow, ...]


@dataclass(frozen=True)
class Field:
    """One field of the form: its key, label, value as shown, error and choices."""

    key: str
    label: str
    value: str
    error: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class RegistryForm:
    """The form of one organisation's own fields, or of one of its contacts."""

    organisation: str
    organisation_name: str
    email: str | None
    """The contact's email, which names it; None: the organisation's own fields."""
    title: str
    current: Mapping[str, str]
    values: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    """Each field's error by key; `""` is an error of the whole form."""
    edited_by: str = ""
    saved: str = ""
    """What the saved edit changed, in words."""
    version: str = ""
    """The version of the entry the form was opened on (`registry_edit.version`)."""
    stale: bool = False
    """Refused: the entry changed since the form was opened."""
    new_email: str = ""
    """A contact's email as typed: another than `email` corrects it (`change_email`)."""

    @property
    def email_changed(self) -> bool:
        """Tell whether the form corrects the contact's email."""
        return bool(self.email) and self.new_email not in ("", self.email)

    @property
    def keys(self) -> tuple[str, ...]:
        """Return the keys of the form's fields, in the order of a sheet's columns."""
        return CONTACT_FIELDS if self.email else ORGANISATION_FIELDS

    @property
    def fields(self) -> tuple[Field, ...]:
        """Return the form's fields, to draw."""
        return tuple(
            Field(
                key,
                BY_KEY[key].header,
                self.values.get(key, ""),
                self.errors.get(key, ""),
                _choices(key, self.values.get(key, "")),
                HINTS.get(key, ""),
            )
            for key in self.keys
        )

    @property
    def error_count(self) -> int:
        """Return how many fields have an error (none when the whole edit came too late)."""
        return 0 if self.stale else len(self.errors)

    def changes(self) -> dict[str, str]:
        """Return the fields whose value differs from the registry's, as typed less spaces."""
        return {
            key: self.values.get(key, "").strip()
            for key in self.keys
            if self.values.get(key, "").strip() != self.current.get(key, "")
        }


def _choices(key: str, value: str) -> tuple[tuple[str, str], ...]:
    if key not in CHOICES:
        return ()
    offered = [("", "not set")] if key not in ("kind", "language") else []
    offered += [(choice, words(choice)) for choice in CHOICES[key]]
    if value not in {choice for choice, _ in offered}:
        offered.append((value, value))
    return tuple(offered)


def registry_list(workspace: Workspace) -> list[OrganisationRow]:
    """Return the registry's organisations with their contacts, in the file's order."""
    return [
        OrganisationRow(
            o.id,
            o.name.en,
            words(o.kind),
            o.country,
            tuple(ContactRow(c.name, c.email, c.role, c.language) for c in o.contacts),
        )
        for o in workspace.stakeholders.organisations
    ]


def load(workspace: Workspace, org_id: str, email: str | None = None) -> RegistryForm | None:
    """Return the form filled with the registry's values, or None if there is no such one."""
    row = entry_fields(workspace.stakeholders, org_id, email)
    if row is None:
        return None
    name = row["organisation_en"]
    current = {key: row[key] for key in (CONTACT_FIELDS if email else ORGANISATION_FIELDS)}
    return RegistryForm(
        organisation=org_id,
        organisation_name=name,
        email=row["email"] if email is not None else None,
        title=f"{row['name']}, {name}" if email is not None else name,
        current=current,
        values=current,
        version=version(current),
        new_email=row["email"] if email is not None else "",
    )


def read(form: RegistryForm, fields: Mapping[str, Sequence[str]]) -> RegistryForm:
    """Return the form as posted: every value as typed; the name of who edits is required.

    The version is the one the form was opened on; a form posted without one is
    taken as opened on the entry as it is now.
    """
    values = {key: (fields.get(key) or [""])[0] for key in form.keys}
    edited_by = (fields.get("edited_by") or [""])[0].strip()
    errors = {} if edited_by else {"edited_by": "your name, for the audit log"}
    opened_on = (fields.get("version") or [""])[0] or form.version
    new_email = (fields.get("new_email") or [form.new_email])[0].strip()
    if form.email and not new_email:
        errors["new_email"] = "the contact's email (a contact cannot be without one)"
    return dataclasses.replace(
        form,
        values=values,
        edited_by=edited_by,
        errors=errors,
        version=opened_on,
        new_email=new_email or form.new_email,
    )


def save(root: Path, store: Store, form: RegistryForm) -> RegistryForm:
    """Return the posted form after the edit: with every error and nothing written, or saved.

    A form without the editor's name is still checked, so it comes back with all its
    errors at once; a saved edit that changed the file is recorded in the audit log.
    A corrected email is checked with the rest and written after the other fields.
    """
    errors = dict(form.errors)
    if form.email_changed and form.email:
        try:
            change_email(
                root, store, form.organisation, form.email, form.new_email, by="", check_only=True
            )
        except WorkspaceError as error:
            errors["new_email"] = "; ".join(_message(p) for p in error.problems)
    try:
        entry = edit_stakeholder(
            root,
            store,
            Entry(form.organisation, form.email),
            form.changes(),
            by=form.edited_by,
            check_only=bool(errors),
            base=form.version or None,
        )
    except StaleEdit as error:
        return dataclasses.replace(form, errors={"": str(error)}, stale=True)
    except WorkspaceError as error:
        return dataclasses.replace(form, errors={**_field_errors(form, error.problems), **errors})
    if errors:
        return dataclasses.replace(form, errors=errors)
    said = [f"{', '.join(entry.detail['fields'])} changed"] if entry.changed else []
    if form.email_changed and form.email:
        change_email(root, store, form.organisation, form.email, form.new_email, by=form.edited_by)
        said.append(f"email corrected from {form.email} to {form.new_email}")
    return dataclasses.replace(form, saved="; ".join(said) or "nothing changed")


def _field_errors(form: RegistryForm, problems: Sequence[Problem]) -> dict[str, str]:
    """Return the problems as messages by field; those of no field of the form under `""`."""
    where = f"{form.organisation}.{form.email}." if form.email else f"{form.organisation}."
    errors: dict[str, list[str]] = {}
    for problem in problems:
        key = problem.path.removeprefix(where)
        key = key if key in form.keys else ""
        errors.setdefault(key, []).append(_message(problem))
    return {key: "; ".join(messages) for key, messages in errors.items()}


def _message(problem: Problem) -> str:
    """Return what is wrong, without the file and field: `got 'XX', expected ...`."""
    bare = dataclasses.replace(problem, file="", line=None, path="")
    return str(bare).removeprefix(": ")
