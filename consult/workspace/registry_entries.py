"""Adds and removes organisations and contacts of stakeholders.yaml, and corrects an email.

An organisation or a contact is added as a one-row import (`registry_edit._import_row`):
the same fields, checks and comment-keeping write as a spreadsheet's. A removal deletes
the entry from the file, keeping every other line and comment; a contact's email, which
names it, is corrected in the registry and in every training's `attendees` that names it.
Each returns the audit entry the caller records (`registry.*` actions). The callers
(consult.application.registry) hold the file's lock and refuse removing what a training
or a sent message refers to (`training_uses`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from consult.errors import MISSING, Problem, WorkspaceError
from consult.workspace.loading import TRAININGS
from consult.workspace.registry_edit import (
    CONTACT_FIELDS,
    ORGANISATION_FIELDS,
    AuditEntry,
    _import_row,
    _known,
)
from consult.workspace.registry_import import STAKEHOLDERS, apply_import
from consult.workspace.registry_write import _check_written
from consult.workspace.starter import registry_header
from consult.workspace.yamlfile import read_yaml
from consult.workspace.yamlwrite import (
    dump_document,
    load_document,
    locked,
    remove,
    write_atomically,
)

NEW_ORGANISATION_FIELDS = ("organisation_id", *ORGANISATION_FIELDS)
NEW_CONTACT_FIELDS = ("email", *CONTACT_FIELDS)


def _organisations(workspace: Path) -> list[dict[str, Any]]:
    data, _, found = read_yaml(Path(workspace) / STAKEHOLDERS, STAKEHOLDERS)
    if found:
        raise WorkspaceError(found)
    return [o for o in (data or {}).get("organisations") or [] if isinstance(o, dict)]


def _emails(workspace: Path) -> dict[str, str]:
    """Return each contact's email, casefolded, -> its organisation's id."""
    return {
        str(c.get("email", "")).casefold(): str(o.get("id"))
        for o in _organisations(workspace)
        for c in o.get("contacts") or []
        if isinstance(c, dict)
    }


def _given(values: Mapping[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    return {key: values[key].strip() for key in allowed if values.get(key, "").strip()}


def add_contact(
    workspace: Path, org_id: str, values: Mapping[str, str], *, check_only: bool = False
) -> AuditEntry:
    """Add a contact (`email`, `name`, `role`, `language`, ...) to an organisation.

    Raises a WorkspaceError naming each wrong or missing field, or an email another
    contact has; nothing is written then.
    """
    _known(workspace, org_id, None)
    email = values.get("email", "").strip()
    fields = _given(values, CONTACT_FIELDS)
    _check_new_email(workspace, org_id, email)
    preview, problems = _import_row(workspace, org_id, email, fields)
    if problems or preview is None:
        raise WorkspaceError(problems)
    if not check_only:
        apply_import(workspace, preview)
    return AuditEntry(
        "registry.contact.added",
        f"stakeholders/{org_id}/{email}",
        {"fields": ["email", *fields], "values": {"email": email, **fields}},
    )


def _check_new_email(workspace: Path, org_id: str, email: str, field: str = "email") -> None:
    """Raise if `email` is empty or another contact's (its organisation's or another's)."""
    where = f"{org_id}.{email}.{field}" if email else f"{org_id}.{field}"
    owner = _emails(workspace).get(email.casefold()) if email else None
    if not email:
        raise WorkspaceError([Problem(STAKEHOLDERS, None, where, MISSING, "the contact's email")])
    if owner is not None:
        raise WorkspaceError(
            [
                Problem(
                    STAKEHOLDERS,
                    None,
                    where,
                    email,
                    f"an email no contact has (a contact of {owner} has it)",
                )
            ]
        )


def add_organisation(
    workspace: Path, values: Mapping[str, str], *, check_only: bool = False
) -> AuditEntry:
    """Add an organisation with its first contact: its fields and the contact's in `values`.

    Raises a WorkspaceError naming each wrong or missing field, an id an organisation has,
    or an email a contact has; nothing is written then.
    """
    org_id = values.get("organisation_id", "").strip()
    if not org_id:
        raise WorkspaceError(
            [Problem(STAKEHOLDERS, None, "organisation_id", MISSING, "the organisation's id")]
        )
    ids = {str(o.get("id")) for o in _organisations(workspace)}
    if org_id in ids:
        raise WorkspaceError(
            [Problem(STAKEHOLDERS, None, "organisation_id", org_id, "an id no organisation has")]
        )
    email = values.get("email", "").strip()
    _check_new_email(workspace, org_id, email)
    fields = _given(values, ORGANISATION_FIELDS) | _given(values, CONTACT_FIELDS)
    preview, problems = _import_row(workspace, org_id, email, fields)
    if problems or preview is None:
        raise WorkspaceError(problems)
    if not check_only:
        apply_import(workspace, preview)
    detail = {"organisation_id": org_id, "email": email, **fields}
    return AuditEntry(
        "registry.organisation.added",
        f"stakeholders/{org_id}",
        {"fields": list(detail), "values": detail},
    )


def remove_organisation(workspace: Path, org_id: str) -> AuditEntry:
    """Remove an organisation and its contacts from the file, its other lines kept as they were."""
    _known(workspace, org_id, None)
    text, document = _document(workspace)
    organisations = document["organisations"]
    index = next(i for i, o in enumerate(organisations) if o.get("id") == org_id)
    emails = [str(c.get("email")) for c in organisations[index].get("contacts") or []]
    remove(organisations, index)
    _write(workspace, document, text)
    return AuditEntry(
        "registry.organisation.removed",
        f"stakeholders/{org_id}",
        {"fields": ["organisation"], "values": {"id": org_id, "contacts": emails}},
    )


def remove_contact(workspace: Path, org_id: str, email: str) -> AuditEntry:
    """Remove a contact from its organisation; an organisation's last contact is kept."""
    known = str(_known(workspace, org_id, email))
    text, document = _document(workspace)
    organisation = next(o for o in document["organisations"] if o.get("id") == org_id)
    contacts = organisation["contacts"]
    if len(contacts) == 1:
        raise WorkspaceError(
            [
                Problem(
                    STAKEHOLDERS,
                    None,
                    f"{org_id}.{known}",
                    None,
                    f"{known} is the last contact of {org_id}: an organisation keeps at least "
                    "one; remove the organisation instead, or add its new contact first",
                )
            ]
        )
    index = next(i for i, c in enumerate(contacts) if str(c.get("email")) == known)
    remove(contacts, index)
    _write(workspace, document, text)
    return AuditEntry(
        "registry.contact.removed",
        f"stakeholders/{org_id}/{known}",
        {"fields": ["contact"], "values": {"email": known}},
    )


def change_email(
    workspace: Path, org_id: str, old: str, new: str, *, check_only: bool = False
) -> AuditEntry:
    """Correct a contact's email in the registry and in every training's attendees naming it.

    Raises a WorkspaceError if the new address is not an email, or another contact's;
    nothing is written then. The store's history keeps the old address as it was.
    """
    known = str(_known(workspace, org_id, old))
    new = new.strip()
    if new.casefold() != known.casefold():
        _check_new_email(workspace, org_id, new)
    text, document = _document(workspace)
    organisation = next(o for o in document["organisations"] if o.get("id") == org_id)
    contact = next(c for c in organisation["contacts"] if str(c.get("email")) == known)
    contact["email"] = new
    written = dump_document(document, text)
    written = registry_header(written) + written
    try:
        _check_written(Path(workspace) / STAKEHOLDERS, written)
    except WorkspaceError as error:
        raise WorkspaceError(
            [
                Problem(STAKEHOLDERS, None, f"{org_id}.{known}.email", new, p.expected)
                for p in error.problems
            ]
        ) from None
    if check_only:
        return AuditEntry("registry.contact.email_changed", f"stakeholders/{org_id}/{known}")
    folder = Path(workspace) / TRAININGS
    with ExitStack() as held:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            held.enter_context(locked(path))
        trainings = _renamed_in_trainings(workspace, org_id, known, new)
        write_atomically(Path(workspace) / STAKEHOLDERS, written)
        for path, training_text in trainings.items():
            write_atomically(path, training_text)
    return AuditEntry(
        "registry.contact.email_changed",
        f"stakeholders/{org_id}/{known}",
        {
            "fields": ["email"],
            "values": {"email": new, "was": known},
            "trainings": sorted(path.name for path in trainings),
        },
    )


def _document(workspace: Path) -> tuple[str, Any]:
    text = (Path(workspace) / STAKEHOLDERS).read_bytes().decode("utf-8-sig")
    return text, load_document(text)


def _write(workspace: Path, document: Any, text: str) -> None:
    written = dump_document(document, text)
    written = registry_header(written) + written
    path = Path(workspace) / STAKEHOLDERS
    _check_written(path, written)
    write_atomically(path, written)


def _meetings(data: Any) -> Iterator[tuple[str, str, Any]]:
    """Return (round id, meeting id, meeting) of each meeting of a training's data."""
    plan = data.get("consultation") if isinstance(data, dict) else None
    rounds = plan.get("rounds") if isinstance(plan, dict) else None
    for round_ in rounds if isinstance(rounds, list) else []:
        if not isinstance(round_, dict):
            continue
        for meeting in round_.get("meetings") or []:
            if isinstance(meeting, dict):
                yield str(round_.get("id")), str(meeting.get("id")), meeting


def _names(entry: Any, email: str) -> bool:
    named = entry.get("email") if isinstance(entry, dict) else entry
    return isinstance(named, str) and named.casefold() == email.casefold()


def training_uses(workspace: Path, org_id: str, email: str | None = None) -> list[str]:
    """Return where the trainings name the organisation (or its contact): one line each."""
    folder = Path(workspace) / TRAININGS
    uses = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data, _, found = read_yaml(path, f"{TRAININGS}/{path.name}")
        if found:
            continue
        participants = data.get("participants") if isinstance(data, dict) else None
        named = isinstance(participants, dict) and participants.get("organisation") == org_id
        if email is None and named:
            uses.append(f"training {path.stem}, its participants")
        for round_id, meeting_id, meeting in _meetings(data):
            if meeting.get("organisation") != org_id:
                continue
            if email is None:
                uses.append(f"training {path.stem}, round {round_id}, meeting {meeting_id}")
            elif any(_names(a, email) for a in meeting.get("attendees") or []):
                uses.append(
                    f"training {path.stem}, round {round_id}, meeting {meeting_id} (attendees)"
                )
    return uses


def _renamed_in_trainings(workspace: Path, org_id: str, old: str, new: str) -> dict[Path, str]:
    """Return the text of each training file whose attendees name `old`, with `new` instead."""
    folder = Path(workspace) / TRAININGS
    renamed: dict[Path, str] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        text = path.read_bytes().decode("utf-8-sig")
        if old.casefold() not in text.casefold():
            continue
        document = load_document(text)
        changed = False
        for _, _, meeting in _meetings(document):
            if meeting.get("organisation") != org_id:
                continue
            attendees = meeting.get("attendees") or []
            for i, entry in enumerate(attendees):
                if _names(entry, old):
                    if isinstance(entry, dict):
                        entry["email"] = new
                    else:
                        attendees[i] = new
                    changed = True
        if changed:
            renamed[path] = dump_document(document, text)
    return renamed
