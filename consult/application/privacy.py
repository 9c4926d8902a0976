"""A person's data: where consult keeps it, what it holds of them, and forgetting them.

Where personal data lives is written down in two tables, which every use here walks:
- the store's: `consult.store.personal.PLACES` (a table, the column naming the person);
- the files': `FILES` below (a folder of the workspace, what is done to a file naming the
  person), beside the workspace's own files edited by `consult.workspace.forgetting`
  (stakeholders.yaml, trainings/*.yaml, notes/).
A new kind of data (a poll's votes, a written submission) is one more row in one of them.

    forget(built, "e.lomidze@example.gov.ge", by="nino")  # consult forget
    personal_data(built, "e.lomidze@example.gov.ge")     # consult personal-data
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from consult.application.services import Services
from consult.errors import PersonUnknown
from consult.planning.feeds import cache_file
from consult.settings import Settings
from consult.store.personal import PLACES, pseudonym
from consult.workspace.forgetting import Person, blockers, find_person, forget_in_files

FileAction = Literal["delete", "pack"]


@dataclass(frozen=True)
class FilePlace:
    """A folder of the workspace whose files may name a person."""

    what: str
    folder: Callable[[Settings], Path]
    action: FileAction
    """delete: a file naming the person is deleted; pack: a pack version naming them has
    its files deleted, and is listed as needing a new version."""


FILES: tuple[FilePlace, ...] = (
    FilePlace("outbox", lambda s: s.outbox, "delete"),
    FilePlace("preview", lambda s: s.preview, "delete"),
    FilePlace("inbox", lambda s: s.inbox, "delete"),
    FilePlace("packs", lambda s: s.out_dir / "briefing", "pack"),
    FilePlace("outputs", lambda s: s.out_dir, "delete"),
)
"""Every folder whose files may name a person, the most particular first: a file is the
first place's that holds it (an export under out/ is `outputs`, the outbox's `outbox`)."""

TABLES = tuple(place.table.name for place in PLACES)
"""The store's tables that hold personal data (`consult.store.personal.PLACES`)."""


def _text_of_mail(data: bytes) -> str:
    message = email.message_from_bytes(data, policy=email.policy.default)
    parts = [str(value) for value in message.values()]
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(str(part.get_content()))
            except (LookupError, ValueError):
                continue
    return "\n".join(parts)


def _text_of(path: Path) -> str:
    """Return what a file says, as a person reads it: a mail decoded, a workbook's cells."""
    data = path.read_bytes()
    if path.suffix == ".eml":
        return _text_of_mail(data)
    if path.suffix == ".xlsx":
        try:
            with zipfile.ZipFile(path) as book:
                return "\n".join(
                    book.read(n).decode("utf-8", "replace")
                    for n in book.namelist()
                    if n.endswith(".xml")
                )
        except zipfile.BadZipFile:
            pass
    return data.decode("utf-8", "replace")


def _names_person(path: Path, person: Person) -> bool:
    return person.named_in(_text_of(path))


def _files(settings: Settings) -> Iterator[tuple[FilePlace, Path]]:
    seen: set[Path] = set()
    for place in FILES:
        folder = place.folder(settings)
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and path not in seen:
                seen.add(path)
                yield place, path


@dataclass
class FilesFound:
    """The files under out/ and inbox/ that name a person, by place, and the pack versions."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    packs: list[Path] = field(default_factory=list)
    """The folders of pack versions that name them (`out/briefing/<slug>/v<n>`)."""

    def count(self) -> int:
        """Return how many files were found."""
        return sum(len(paths) for paths in self.files.values())


def files_naming(settings: Settings, person: Person) -> FilesFound:
    """Return the files of `FILES` that name the person (their email or a name)."""
    found = FilesFound()
    for place, path in _files(settings):
        if not _names_person(path, person):
            continue
        if place.action == "pack":
            folder = path.parent
            if folder not in found.packs:
                found.packs.append(folder)
        found.files.setdefault(place.what, []).append(path)
    return found


def _names_of_attendee(built: Services, email: str) -> tuple[str, ...]:
    held, _ = built.store.personal_data(email)
    return tuple(dict.fromkeys(str(row["name"]) for row in held.get("attendees", [])))


def person_of(built: Services, email: str) -> Person:
    """Return the person with this email: the registry's contact, or whom the store names."""
    person = find_person(built.workspace, email)
    stored = _names_of_attendee(built, email)
    if person is None:
        return Person(email.strip(), stored)
    return Person(
        person.email,
        tuple(dict.fromkeys((*person.names, *stored))),
        person.organisation,
        person.language,
        person.busy_feed,
    )


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a person did, in words a coordinator reads; no value of theirs."""

    pseudonym: str
    lines: list[str]
    packs: list[str]
    """Each pack version that named them, with the note that a new version is needed."""
    anything: bool


def forget(built: Services, email: str, *, delete_observations: bool = False, by: str) -> Forgotten:
    """Return what was done to remove the person everywhere: the registry, the trainings'
    attendees, the notes, the files under out/ and inbox/, the store (observations they
    made unattributed, or deleted when restricted or asked) and the audit log (their
    mentions replaced, one `person.forgotten` entry under their pseudonym).

    Raises PersonUnknown for an email nothing names and that was never forgotten, and
    ConsultError (nothing changed) for a facilitator or an expert.
    """
    person = person_of(built, email)
    found = files_naming(built.settings, person)
    held, audited = built.store.personal_data(person.email, person.names)
    in_store = any(held.values()) or bool(audited)
    if person.organisation is None and not in_store and not found.count():
        when = built.store.forgotten(person.email)
        if when is None:
            raise PersonUnknown(
                f"{email}: no contact of stakeholders.yaml, no message, answer, attendance, "
                "observation, consent or audit entry names this address; check its spelling"
            )
        return Forgotten(
            pseudonym(email), [f"nothing found: forgotten on {when:%Y-%m-%d}"], [], False
        )
    refused = blockers(built.workspace, person.email)
    if refused:
        raise PersonUnknown("; ".join(refused))
    changed = forget_in_files(built.workspace, person)
    for paths in found.files.values():
        for path in paths:
            path.unlink(missing_ok=True)
    for folder in found.packs:
        shutil.rmtree(folder, ignore_errors=True)
    if person.busy_feed:  # their busy times, as last fetched for planning
        cache_file(built.settings.feed_cache, person.busy_feed).unlink(missing_ok=True)
    packs = [
        f"{folder.parent.name} pack v{folder.name.removeprefix('v')}: named them, its files "
        "were deleted; compile a new version (`consult brief`), which no longer names them"
        for folder in found.packs
    ]
    detail = {
        "registry": changed.registry,
        "trainings": changed.trainings,
        "notes": changed.notes,
        "files": {what: len(paths) for what, paths in found.files.items()},
        "packs": [f"{f.parent.name}/{f.name}" for f in found.packs],
    }
    erased = built.store.forget(
        person.email,
        person.names,
        delete_observations=delete_observations,
        detail=detail,
        actor=by,
    )
    built.store.compact()
    lines = _forget_lines(changed.registry, changed.trainings + changed.notes, found, erased)
    return Forgotten(pseudonym(person.email), lines, packs, True)


def _forget_lines(
    registry: str | None, files: list[str], found: FilesFound, erased: Any
) -> list[str]:
    lines = []
    if registry:
        lines.append(f"stakeholders.yaml: the {registry} removed")
    lines.extend(f"{name}: their mentions removed" for name in files)
    for what, paths in found.files.items():
        lines.append(f"{what}: {len(paths)} file(s) naming them deleted")
    for table, count in erased.rows.items():
        if count:
            lines.append(f"store, {table}: {count} row(s) deleted")
    if erased.unattributed:
        lines.append(f"store, observations: {erased.unattributed} kept, no longer attributed")
    if erased.audit:
        lines.append(f"audit log: {erased.audit} entries naming them rewritten as [erased]")
    return lines


def forget_preview(built: Services, email: str) -> tuple[list[str], list[str]]:
    """Return what forgetting the person would remove, one line each, and why it cannot be
    done yet (a facilitator, an expert, the only attendee named): nothing is changed."""
    person = person_of(built, email)
    lines = []
    if person.organisation is not None:
        lines.append(f"stakeholders.yaml: their contact in {person.organisation}")
    found = files_naming(built.settings, person)
    for what, paths in found.files.items():
        lines.append(f"{what}: {len(paths)} file(s) naming them")
    lines.extend(
        f"{folder.parent.name} pack v{folder.name.removeprefix('v')}: names them; its files "
        "are deleted and a new version is needed"
        for folder in found.packs
    )
    held, audited = built.store.personal_data(person.email, person.names)
    lines.extend(f"store, {table}: {len(rows)} row(s)" for table, rows in held.items() if rows)
    if audited:
        lines.append(f"audit log: {len(audited)} entries naming them, rewritten as [erased]")
    return lines, blockers(built.workspace, person.email)


_EMAILISH = re.compile(r"^[^@\s]+@[^@\s]+$")


def check_email(email: str) -> str:
    """Return the email stripped; raise PersonUnknown when it is not an address at all."""
    if not _EMAILISH.match(email.strip()):
        raise PersonUnknown(f"got {email!r}, expected an email address (name@example.org)")
    return email.strip()
