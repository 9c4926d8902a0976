"""The stakeholder registry: a spreadsheet imported, the registry exported, one entry edited.

Unlike the other use cases these take the workspace folder and an open store,
not the built `Services`: building them loads the whole workspace and refuses
one with problems, and these edit stakeholders.yaml so that a broken registry
can be fixed. Only the file is read and written; the store only gets the audit
entry, written the same way for the `consult` command and the desk.

Every change holds the lock of stakeholders.yaml (`yamlwrite.locked`) from reading
the file to writing the audit entry: writers take turns, each reads the file as the
one before it left it, and the audit log records only what was written. An edit
given the `base` version of its entry (what its form showed) is refused with a
StaleEdit when that entry has changed since; changes elsewhere in the file are kept
beside it.

    columns = import_columns(root, sheets, mapping=None)   # given, saved or guessed
    preview = preview_import(root, sheets, columns.columns)
    apply_import(root, store, preview, by="nino")           # written, and audited
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from consult.errors import Problem, StaleEdit, WorkspaceError
from consult.store import Store
from consult.workspace import registry_entries, registry_import
from consult.workspace.columns import (
    MAPPING_FILE,
    covers,
    guess_columns,
    read_mapping,
    write_mapping,
)
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import (
    AuditEntry,
    current_version,
    update_contact,
    update_organisation,
)
from consult.workspace.registry_export import export_registry
from consult.workspace.registry_import import Preview
from consult.workspace.sheets import Sheet
from consult.workspace.yamlfile import read_yaml
from consult.workspace.yamlwrite import locked

STAKEHOLDERS = "stakeholders.yaml"
IMPORTED = "registry.imported"
"""The audit log's action for a spreadsheet merged into the registry."""


@dataclass(frozen=True)
class Columns:
    """Which field each header of a spreadsheet fills, and where that came from."""

    columns: dict[str, str]
    source: Literal["given", "saved", "guessed"]
    """A mapping file named by the coordinator, the workspace's saved one, or a guess."""
    saved: Path
    """The workspace's mapping file: read when it covers the headers, written for a guess."""


def import_columns(root: Path, sheets: Sequence[Sheet], mapping: Path | None = None) -> Columns:
    """Return the column mapping for the sheets: the one given, the workspace's, or a guess.

    The workspace's registry-columns.yaml is taken when it names every header; a
    guess is only returned, for the coordinator to confirm and `save_columns`.
    """
    saved = root / MAPPING_FILE
    if mapping is not None:
        return Columns(read_mapping(mapping, str(mapping)), "given", saved)
    headers = [h for sheet in sheets for h in sheet.header if h.strip()]
    if saved.is_file() and covers(columns := read_mapping(saved), headers):
        return Columns(columns, "saved", saved)
    guessed: dict[str, str] = {}
    for sheet in sheets:
        guessed.update(guess_columns(sheet.header))
    return Columns(guessed, "guessed", saved)


def save_columns(columns: Columns) -> Path:
    """Return the workspace's mapping file, now holding these columns for the next import."""
    with locked(columns.saved):
        write_mapping(columns.saved, columns.columns)
    return columns.saved


def preview_import(root: Path, sheets: Sequence[Sheet], columns: Mapping[str, str]) -> Preview:
    """Return what importing the sheets would change in the registry; nothing is written."""
    return registry_import.plan_import(root, sheets, columns)


def apply_import(root: Path, store: Store, preview: Preview, by: str) -> Path:
    """Return the registry's file with the preview's changes merged in, recorded as `by`'s."""
    with locked(root / STAKEHOLDERS):
        registry_import.apply_import(root, preview)
        store.audit(by, IMPORTED, "stakeholders", {"summary": preview.summary()})
    return root / STAKEHOLDERS


def export_stakeholders(root: Path, target: Path, format: str | None = None) -> int:
    """Return how many contacts were written to `target`, in the columns an import reads.

    The one use case here that loads the workspace: a registry with problems is
    fixed in stakeholders.yaml, or by an import, before it is exported.
    """
    return export_registry(load_workspace(root).stakeholders, target, format)


@dataclass(frozen=True)
class Entry:
    """An entry of the registry: an organisation, or one of its contacts by address."""

    organisation: str
    contact: str | None = None


def edit_stakeholder(
    root: Path,
    store: Store,
    edited: Entry,
    changes: Mapping[str, str],
    *,
    by: str,
    check_only: bool = False,
    base: str | None = None,
) -> AuditEntry:
    """Return what editing the entry's fields changed, audited as `by`'s.

    Raises a WorkspaceError naming every wrong field, and writes nothing then.
    `check_only` checks and writes nothing, in the file or the audit log; an
    edit that changes nothing is not recorded either. `base` is the entry's
    version the edit was made on: a StaleEdit if the entry changed since.
    """
    organisation, contact = edited.organisation, edited.contact
    with locked(root / STAKEHOLDERS):
        if base is not None and not check_only:
            _check_base(root, store, organisation, contact, base)
        if contact is None:
            entry = update_organisation(root, organisation, changes, check_only=check_only)
        else:
            entry = update_contact(root, organisation, contact, changes, check_only=check_only)
        if entry.changed and not check_only:
            store.audit(by, entry.action, entry.subject, dict(entry.detail))
    return entry


def _check_base(
    root: Path, store: Store, organisation: str, contact: str | None, base: str
) -> None:
    """Raise a StaleEdit naming the entry and its last recorded edit if it changed since `base`."""
    now = current_version(root, organisation, contact)
    if now is None or now == base:
        return  # an entry the file no longer holds: the edit itself says so
    named = f"{organisation}'s contact {contact}" if contact else organisation
    subject = f"stakeholders/{organisation}" + (f"/{contact}" if contact else "")
    recorded = store.audit_log(subject) + store.audit_log("stakeholders")
    since = ""
    if recorded:
        last = max(recorded, key=lambda event: event.id)
        fields = last.detail.get("fields")
        what = (
            f"changed {', '.join(fields)}" if fields else f"imported {last.detail.get('summary')}"
        )
        since = f" (last recorded: {last.actor} {what}, at {last.at:%Y-%m-%d %H:%M} UTC)"
    raise StaleEdit(
        f"{STAKEHOLDERS}: {named} changed since this form was opened{since}; "
        "nothing was saved: reload the form to edit it as it is now"
    )


def add_entry(
    root: Path,
    store: Store,
    organisation: str | None,
    values: Mapping[str, str],
    *,
    by: str,
    check_only: bool = False,
) -> AuditEntry:
    """Return the organisation added (`organisation` None) or its contact added, audited as `by`'s.

    Raises a WorkspaceError naming every wrong field; nothing is written then, nor with
    `check_only`.
    """
    with locked(root / STAKEHOLDERS):
        if organisation is None:
            entry = registry_entries.add_organisation(root, values, check_only=check_only)
        else:
            entry = registry_entries.add_contact(root, organisation, values, check_only=check_only)
        if not check_only:
            store.audit(by, entry.action, entry.subject, dict(entry.detail))
    return entry


def uses(root: Path, store: Store, organisation: str, contact: str | None = None) -> list[str]:
    """Return where an organisation or a contact is used: trainings' meetings, messages sent.

    One line each; an entry used anywhere is not removed (`remove_entry`).
    """
    found = registry_entries.training_uses(root, organisation, contact)
    emails = {contact.casefold()} if contact else _emails_of(root, organisation)
    sent: dict[str, int] = {}
    for message in store.messages():
        if message.recipient.casefold() in emails:
            sent[message.recipient] = sent.get(message.recipient, 0) + 1
    found += [
        f"{count} message{'s' if count != 1 else ''} to {email} in the store's ledger"
        for email, count in sorted(sent.items())
    ]
    return found


def _emails_of(root: Path, organisation: str) -> set[str]:
    data, _, found = read_yaml(root / STAKEHOLDERS, STAKEHOLDERS)
    if found or not isinstance(data, dict):
        return set()
    return {
        str(c.get("email", "")).casefold()
        for o in data.get("organisations") or []
        if isinstance(o, dict) and o.get("id") == organisation
        for c in o.get("contacts") or []
        if isinstance(c, dict)
    }


def remove_entry(
    root: Path, store: Store, organisation: str, contact: str | None = None, *, by: str
) -> AuditEntry:
    """Return the organisation or contact removed, audited as `by`'s.

    Refused with a WorkspaceError saying where it is used, if a training's meeting
    names it or the store has messages to it: its history would lose its name.
    """
    with locked(root / STAKEHOLDERS):
        used = uses(root, store, organisation, contact)
        if used:
            named = f"contact {contact}" if contact else f"organisation {organisation}"
            raise WorkspaceError(
                [
                    Problem(
                        STAKEHOLDERS,
                        None,
                        "",
                        None,
                        f"the {named} is used ({'; '.join(used)}), so it is not removed",
                    )
                ]
            )
        if contact is None:
            entry = registry_entries.remove_organisation(root, organisation)
        else:
            entry = registry_entries.remove_contact(root, organisation, contact)
        store.audit(by, entry.action, entry.subject, dict(entry.detail))
    return entry


def change_email(
    root: Path,
    store: Store,
    organisation: str,
    old: str,
    new: str,
    *,
    by: str,
    check_only: bool = False,
) -> AuditEntry:
    """Return the contact's email corrected in the registry and the trainings, audited as `by`'s.

    The store's messages and replies keep the old address: they are what was sent.
    """
    with locked(root / STAKEHOLDERS):
        entry = registry_entries.change_email(root, organisation, old, new, check_only=check_only)
        if not check_only:
            store.audit(by, entry.action, entry.subject, dict(entry.detail))
    return entry
