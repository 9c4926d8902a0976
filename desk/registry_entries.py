"""The registry's forms to add an organisation (with its first contact) or a contact, and to remove.

An added entry goes through `consult.application.registry.add_entry`: a one-row import,
with the import's checks and comment-keeping write, audited under the name typed. A
form with a mistake comes back with every value as typed and each error beside its
field; nothing is written until it is all valid. A removal is refused, with where the
entry is used, when a training's meeting names it or the store's ledger has messages to
it (`consult.application.registry.uses`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from consult.application.registry import add_entry
from consult.errors import Problem, WorkspaceError
from consult.store import Store
from consult.workspace.columns import BY_KEY
from consult.workspace.registry_entries import NEW_CONTACT_FIELDS, NEW_ORGANISATION_FIELDS
from desk.registry import HINTS, Field, _choices, _message

ORGANISATION_HINTS = {"organisation_id": "lower case and hyphens, e.g. mia-victims-unit"}


@dataclass(frozen=True)
class NewEntryForm:
    """The form of a new organisation and its first contact, or of a new contact of one."""

    organisation: str | None
    """The organisation a contact is added to; None: a new organisation."""
    organisation_name: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    edited_by: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """Return the form's fields: the organisation's (if new), then the contact's."""
        contact = NEW_CONTACT_FIELDS
        return contact if self.organisation else (*NEW_ORGANISATION_FIELDS, *contact)

    def fields(self, keys: tuple[str, ...]) -> tuple[Field, ...]:
        """Return the fields of `keys`, to draw."""
        return tuple(
            Field(
                key,
                BY_KEY[key].header,
                self.values.get(key, ""),
                self.errors.get(key, ""),
                _choices(key, self.values.get(key, "")),
                ORGANISATION_HINTS.get(key, HINTS.get(key, "")),
            )
            for key in keys
        )

    @property
    def organisation_fields(self) -> tuple[Field, ...]:
        """Return the new organisation's fields (none when a contact is added)."""
        return () if self.organisation else self.fields(NEW_ORGANISATION_FIELDS)

    @property
    def contact_fields(self) -> tuple[Field, ...]:
        """Return the new contact's fields."""
        return self.fields(NEW_CONTACT_FIELDS)

    @property
    def error_count(self) -> int:
        """Return how many fields have an error."""
        return len(self.errors)


def read(form: NewEntryForm, fields: Mapping[str, Sequence[str]]) -> NewEntryForm:
    """Return the form as posted: every value as typed; the name of who adds is required."""
    values = {key: (fields.get(key) or [""])[0] for key in form.keys}
    edited_by = (fields.get("edited_by") or [""])[0].strip()
    errors = {} if edited_by else {"edited_by": "your name, for the audit log"}
    return dataclasses.replace(form, values=values, edited_by=edited_by, errors=errors)


def save(root: Path, store: Store, form: NewEntryForm) -> tuple[NewEntryForm, str]:
    """Return the form with every error and nothing written; or with "" and the entry's id/email."""
    try:
        entry = add_entry(
            root,
            store,
            form.organisation,
            {key: value.strip() for key, value in form.values.items()},
            by=form.edited_by,
            check_only=bool(form.errors),
        )
    except WorkspaceError as error:
        return dataclasses.replace(
            form, errors={**_errors(form, error.problems), **form.errors}
        ), ""
    if form.errors:
        return form, ""
    return form, entry.subject.rsplit("/", 1)[-1]


def _errors(form: NewEntryForm, problems: Sequence[Problem]) -> dict[str, str]:
    """Return the problems by field: the last part of each's path names it (`org.email.role`)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        key = problem.path.rsplit(".", 1)[-1]
        key = key if key in form.keys else ""
        errors.setdefault(key, []).append(_message(problem))
    return {key: "; ".join(messages) for key, messages in errors.items()}
