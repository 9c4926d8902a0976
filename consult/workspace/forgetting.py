"""Removes a person from the workspace's files: the registry, the trainings, the notes.

The files are edited as a person wrote them (`yamlwrite`: comments, order and layout
kept), each under its lock and written whole, and only where they name the person:
- stakeholders.yaml: their contact entry (with the organisation when it was its last
  contact and no training names the organisation);
- trainings/*.yaml: a meeting's `attendees` entry naming their email;
- notes/: an `attendance` entry with one of their names, and `source` naming their email
  (a Markdown `[source: ...]`, a YAML `source:`, a CSV cell), so that importing the notes
  again does not bring them back.
A facilitator or an expert is a training's own, not the registry's: they are refused
(`blockers`) before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedSeq

from consult.workspace.loading import TRAININGS, Workspace
from consult.workspace.registry_entries import _document, _meetings, _names, _write, training_uses
from consult.workspace.yamlwrite import (
    dump_document,
    load_document,
    locked,
    remove,
    write_atomically,
)

NOTES = "notes"
_FRONT = re.compile(r"\A(---[ \t]*\r?\n)(.*?\r?\n)(---[ \t]*(?:\r?\n|\Z))", re.DOTALL)


def whole(needle: str) -> re.Pattern[str]:
    """Return the pattern of `needle` as a whole word or address, case ignored: a name
    `Ana` is not found in `Banana` (as `consult.store.personal.whole`, which the store's
    layer cannot import from here)."""
    return re.compile(rf"(?<![\w.@-]){re.escape(needle)}(?![\w@-])", re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    """Who is forgotten: their email and every spelling of their name the workspace knows."""

    email: str
    names: tuple[str, ...] = ()
    organisation: str | None = None
    language: str | None = None
    busy_feed: str | None = None
    """Their calendar's feed, whose cached copy holds their busy times."""

    def named_in(self, text: str) -> bool:
        """Return whether the text names the email or one of the names, each as a whole word
        or address (case ignored)."""
        return any(whole(n).search(text) for n in (self.email, *self.names) if n.strip())


def find_person(workspace: Workspace, email: str) -> Person | None:
    """Return the registry's contact with this email (casefolded), or None."""
    wanted = email.strip().casefold()
    for organisation in workspace.stakeholders.organisations:
        for contact in organisation.contacts:
            if contact.email.casefold() == wanted:
                spellings = (contact.name, contact.name_latin, contact.name_cyrillic)
                names = tuple(dict.fromkeys(n for n in spellings if n))
                feed = str(contact.busy_feed) if contact.busy_feed else None
                return Person(contact.email, names, organisation.id, contact.language, feed)
    return None


def blockers(workspace: Workspace, email: str) -> list[str]:
    """Return why the person cannot be forgotten from the files: a facilitator's or an
    expert's place in a training, which someone must take first; one sentence each."""
    wanted = email.strip().casefold()
    found = []
    for slug, training in workspace.trainings.items():
        for role, people in (
            ("a facilitator", training.consultation.facilitators),
            ("an expert", training.experts),
        ):
            if any(p.email.casefold() == wanted for p in people):
                found.append(
                    f"{email} is {role} of training {slug}: replace them in "
                    f"{TRAININGS}/{slug}.yaml first, then forget them"
                )
    for slug, training in workspace.trainings.items():
        for round_ in training.consultation.rounds:
            for meeting in round_.meetings:
                named = [a.email for a in meeting.attendees]
                if named and all(n is not None and n.casefold() == wanted for n in named):
                    found.append(
                        f"{email} is the only attendee named for meeting {meeting.id} of "
                        f"training {slug} (round {round_.id}): name who comes instead in "
                        f"{TRAININGS}/{slug}.yaml first, else all its organisation's contacts "
                        "would be invited"
                    )
    organisation = next(
        (
            o
            for o in workspace.stakeholders.organisations
            if any(c.email.casefold() == wanted for c in o.contacts)
        ),
        None,
    )
    if organisation is not None and len(organisation.contacts) == 1:
        uses = training_uses(workspace.root, organisation.id)
        if uses:
            found.append(
                f"{email} is the last contact of {organisation.id}, which {uses[0]} names: "
                "add its new contact first (an organisation keeps at least one), then forget them"
            )
    return found


@dataclass
class FilesChanged:
    """The workspace's files that named the person and were changed: names, no values."""

    registry: str | None = None
    """What was removed from stakeholders.yaml: `contact` or `organisation`."""
    trainings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def forget_in_files(workspace: Workspace, person: Person) -> FilesChanged:
    """Return which files were changed to remove the person from the registry, the trainings'
    attendees and the notes."""
    changed = FilesChanged()
    root = workspace.root
    if person.organisation is not None:
        with locked(root / "stakeholders.yaml"):
            changed.registry = _remove_contact(root, person)
    folder = root / TRAININGS
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        with locked(path):
            if _forget_in_training(path, person.email):
                changed.trainings.append(f"{TRAININGS}/{path.name}")
    notes = root / NOTES
    for path in sorted(notes.rglob("*")) if notes.is_dir() else []:
        if path.is_file() and path.suffix in (".md", ".yaml", ".yml", ".csv"):
            with locked(path):
                if _forget_in_notes(path, person):
                    changed.notes.append(path.relative_to(root).as_posix())
    return changed


def _remove_contact(root: Path, person: Person) -> str | None:
    text, document = _document(root)
    organisations = document["organisations"]
    for index, organisation in enumerate(organisations):
        contacts: Any = organisation.get("contacts") or []
        for at, contact in enumerate(contacts):
            if _names(contact, person.email):
                if len(contacts) == 1:
                    remove(organisations, index)
                    _write(root, document, text)
                    return "organisation"
                remove(contacts, at)
                _write(root, document, text)
                return "contact"
    return None


def _forget_in_training(path: Path, email: str) -> bool:
    text = path.read_bytes().decode("utf-8-sig")
    if email.casefold() not in text.casefold():
        return False
    document = load_document(text)
    changed = False
    for _, _, meeting in _meetings(document):
        attendees: Any = meeting.get("attendees") or []
        for index in reversed(range(len(attendees))):
            if _names(attendees[index], email):
                remove(attendees, index)
                changed = True
    if changed:
        write_atomically(path, dump_document(document, text))
    return changed


def _forget_in_notes(path: Path, person: Person) -> bool:
    text = path.read_bytes().decode("utf-8-sig")
    if not person.named_in(text):
        return False
    if path.suffix == ".csv":
        written = _forget_in_csv(text, person)
    elif path.suffix == ".md":
        written = _forget_in_markdown(text, person)
    else:
        document = load_document(text)
        _forget_in_data(document, person)
        written = dump_document(document, text)
    if written == text:
        return False
    write_atomically(path, written)
    return True


def _forget_in_markdown(text: str, person: Person) -> str:
    source = re.compile(r"[ \t]*\[source:[ \t]*" + re.escape(person.email) + r"[ \t]*\]", re.I)
    found = _FRONT.match(text)
    if found is None:
        return source.sub("", text)
    document = load_document(found.group(2))
    _forget_in_data(document, person)
    front = dump_document(document, found.group(2))
    return found.group(1) + front + found.group(3) + source.sub("", text[found.end() :])


def _forget_in_data(node: Any, person: Person) -> None:
    """Remove attendance entries naming the person and `source` keys of their email."""
    for mapping in _mappings(node):
        if str(mapping.get("source", "")).casefold() == person.email.casefold():
            del mapping["source"]
        attendance = mapping.get("attendance")
        if isinstance(attendance, CommentedSeq):
            for index in reversed(range(len(attendance))):
                entry = attendance[index]
                name = entry.get("name") if isinstance(entry, dict) else entry
                if isinstance(name, str) and _is_named(name, person.names):
                    remove(attendance, index)


def _is_named(name: str, names: Iterable[str]) -> bool:
    return name.strip().casefold() in {n.strip().casefold() for n in names}


def _mappings(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from _mappings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _mappings(value)


def _forget_in_csv(text: str, person: Person) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    header = [h.strip() for h in rows[0]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        cells = [
            ""
            if (
                header[i : i + 1] == ["source"]
                and cell.strip().casefold() == person.email.casefold()
            )
            or _is_named(cell, person.names)
            else cell
            for i, cell in enumerate(row)
        ]
        writer.writerow(cells)
    return out.getvalue()
